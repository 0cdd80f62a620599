import type { NewSession } from '../session/session.js';
import type { CredentialType, Identity, RecoveryAddress, VerifiableAddress } from '../identity/identity.js';
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

/** An identity's row: the record without its credentials (rows of their own), its addresses as stored JSON. */
export type IdentityRow = Omit<Identity, 'verifiableAddresses' | 'recoveryAddresses' | 'credentials'> & {
  verifiableAddresses: StoredVerifiableAddress[];
  recoveryAddresses: StoredRecoveryAddress[];
};

export type SessionRow = NewSession;

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
