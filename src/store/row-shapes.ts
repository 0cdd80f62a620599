import type { AuthenticationMethod, AuthenticatorAssuranceLevel, SessionDevice } from '../session/session.js';
import type { CredentialType, IdentityState, RecoveryAddress, VerifiableAddress } from '../identity/identity.js';
import type { Flow } from '../selfservice/flow.js';
import type { JsonObject } from '../json-object.js';

// Both dialect schemas produce these row shapes: drizzle maps SQLite's epoch-ms integers and PostgreSQL's
// timestamptz to Date, and SQLite's JSON text and PostgreSQL's jsonb to values. So the row <-> record
// conversion is written once (rows.ts), and each store passes its own drizzle rows through it; the compiler
// checks that each schema's inferred rows fit these shapes.

/** Address JSON as stored: dates as ISO strings. */
export type StoredVerifiableAddress = Omit<VerifiableAddress, 'verifiedAt' | 'createdAt' | 'updatedAt'> & {
  verifiedAt: string | null;
  createdAt: string;
  updatedAt: string;
};
export type StoredRecoveryAddress = Omit<RecoveryAddress, 'createdAt' | 'updatedAt'> & { createdAt: string; updatedAt: string };

export interface IdentityRow {
  id: string;
  schemaId: string;
  state: IdentityState;
  stateChangedAt: Date | null;
  traits: JsonObject;
  metadataPublic: unknown;
  metadataAdmin: unknown;
  externalId: string | null;
  verifiableAddresses: StoredVerifiableAddress[];
  recoveryAddresses: StoredRecoveryAddress[];
  loginsCount: number;
  lastLoginAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface SessionRow {
  id: string;
  tokenHash: string;
  logoutTokenHash: string;
  identityId: string;
  active: boolean;
  expiresAt: Date;
  authenticatedAt: Date;
  issuedAt: Date;
  aal: AuthenticatorAssuranceLevel;
  authenticationMethods: AuthenticationMethod[];
  devices: SessionDevice[];
  createdAt: Date;
  updatedAt: Date;
}

export type FlowRow = Flow;

export interface CredentialRow {
  identityId: string;
  type: CredentialType;
  config: JsonObject;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface CredentialIdentifierRow {
  identityId: string;
  type: CredentialType;
  identifier: string;
}
