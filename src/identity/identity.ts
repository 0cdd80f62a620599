import type { JsonObject } from '../json-object.js';

/**
 * An identity and its credentials and addresses, as the service sees them. Both stores convert to and from these
 * at their boundary (src/store/rows.ts), so feature code never sees a dialect's column types.
 */
export type IdentityState = 'active' | 'inactive';
export const CREDENTIAL_TYPES = ['password', 'oidc'] as const;
export type CredentialType = (typeof CREDENTIAL_TYPES)[number];

export interface VerifiableAddress {
  id: string;
  value: string;
  verified: boolean;
  via: 'email' | 'sms';
  status: 'pending' | 'sent' | 'completed';
  verifiedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface RecoveryAddress {
  id: string;
  value: string;
  via: 'email' | 'sms';
  createdAt: Date;
  updatedAt: Date;
}

export interface Credential {
  type: CredentialType;
  /** Normalized identifiers, unique per credential type across all identities. */
  identifiers: string[];
  /** Type-specific settings: `{hashed_password}` for password, `{providers:[...]}` for oidc. */
  config: JsonObject;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

/** One identifier of one credential type: what the (type, identifier) key of a credential identifier holds. */
export interface CredentialIdentifier {
  type: CredentialType;
  identifier: string;
}

export interface Identity {
  id: string;
  schemaId: string;
  state: IdentityState;
  stateChangedAt: Date | null;
  traits: JsonObject;
  metadataPublic: unknown;
  metadataAdmin: unknown;
  externalId: string | null;
  verifiableAddresses: VerifiableAddress[];
  recoveryAddresses: RecoveryAddress[];
  loginsCount: number;
  lastLoginAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  /** Present only when asked for (admin reads, login). */
  credentials?: Credential[];
}
