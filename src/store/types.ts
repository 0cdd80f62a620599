/**
 * Domain records as the rest of the service sees them. Both store implementations convert to and from these at
 * their boundary, so feature code never sees a dialect's column types.
 */
export type IdentityState = 'active' | 'inactive';
export const CREDENTIAL_TYPES = ['password', 'oidc'] as const;
export type CredentialType = (typeof CREDENTIAL_TYPES)[number];
export type AuthenticatorAssuranceLevel = 'aal0' | 'aal1' | 'aal2' | 'aal3';
export type JsonObject = Record<string, unknown>;

/**
 * The rows that expire, each at its own time: a session and a self-service flow at `expires_at`, a rate-limit
 * bucket at the start of its window (it is read for two windows, so it is stale two windows later). What
 * `tessera cleanup` and the built-in maintenance delete (src/runtime/cleanup.ts); courier messages come next.
 */
export const EXPIRING_KINDS = ['sessions', 'flows', 'rate_limit_buckets'] as const;
export type ExpiringKind = (typeof EXPIRING_KINDS)[number];

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

export interface AuthenticationMethod {
  method: string;
  aal: AuthenticatorAssuranceLevel;
  completed_at: string;
  provider?: string;
}

export interface SessionDevice {
  id: string;
  ip_address: string | null;
  user_agent: string | null;
  location: string | null;
}

export interface Session {
  id: string;
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

export interface SessionWithIdentity extends Session {
  identity: Identity;
}

/** What is written when a session is created: the hashes of its secrets, never the secrets. */
export interface NewSession extends Session {
  tokenHash: string;
  logoutTokenHash: string;
}

export type FlowKind = 'login' | 'registration';
export type FlowType = 'api' | 'browser';

export interface Flow {
  id: string;
  kind: FlowKind;
  type: FlowType;
  expiresAt: Date;
  issuedAt: Date;
  requestUrl: string;
  returnTo: string | null;
  /** The credential method used, set after a submit (`password`, `oidc`). */
  active: string | null;
  state: string;
  /** UI container `{action, method, nodes, messages?}` as served. */
  ui: JsonObject;
  /** Server-side context that is never serialized to clients (CSRF token, OIDC linking data, ...). */
  internalContext: JsonObject;
  refresh: boolean;
  requestedAal: AuthenticatorAssuranceLevel;
  identitySchema: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * Completes a flow in the same transaction as the write it authorizes (the new identity or session): the flow
 * moves to `passed_challenge` only if it was not there already, otherwise the whole write is rolled back with
 * FlowAlreadyCompletedError. Two concurrent submits of one flow can therefore never both succeed.
 */
export interface FlowCompletion {
  flow: Flow;
  /**
   * Compare-and-set on `updated_at` instead of on the state: the flow is written only if its stored `updated_at`
   * is still this, whatever its state (a token exchange is redeemed on a flow that may be completed already).
   * `flow.updatedAt` must be later than this.
   */
  expectedUpdatedAt?: Date;
}

/** One upstream account to add to an identity's `oidc` credential: its identifier and its `config.providers[]` entry. */
export interface OidcProviderLinkEntry {
  identifier: string;
  provider: JsonObject;
}

export interface IdentityPageQuery {
  pageSize: number;
  /** Keyset cursor: return identities whose id sorts after this one. */
  after?: string;
  /** Rows to skip first (offset pagination: Kratos's legacy `page`, the Auth0-style users API). Ordered by id. */
  offset?: number;
  ids?: string[];
  /** Identities owning any of these credential identifiers (exact matches, each spelled as its type stores it). */
  credentialIdentifiers?: CredentialIdentifier[];
  withCredentials?: boolean;
}

/** Where a page of sessions starts: the last session of the previous page. */
export interface SessionCursor {
  createdAt: Date;
  id: string;
}

/**
 * Sessions are listed newest first (created_at descending, ties by id ascending), the order Kratos's admin API
 * uses. `active` means active, unexpired, and of an active identity.
 */
export interface SessionPageQuery {
  pageSize: number;
  /** Keyset cursor: return the sessions that sort after this one. */
  after?: SessionCursor;
  /** Rows to skip first (Kratos's legacy page pagination of an identity's sessions). */
  offset?: number;
  identityId?: string;
  active?: boolean;
  withIdentity?: boolean;
}

export type SessionCountQuery = Pick<SessionPageQuery, 'identityId' | 'active'>;

export type ImportOutcome = { id: string; status: 'created' } | { id: string; status: 'skipped'; reason: string };
