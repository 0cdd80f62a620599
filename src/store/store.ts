import type {
  CredentialType,
  Flow,
  FlowCompletion,
  Identity,
  IdentityPageQuery,
  ImportOutcome,
  JsonObject,
  NewSession,
  Session,
  SessionCountQuery,
  SessionPageQuery,
  SessionWithIdentity,
} from './types.js';

/**
 * Everything the service persists goes through this interface. It is async so that SQLite (embedded, the
 * default) and PostgreSQL (several instances on one database) are interchangeable; feature code never imports
 * a dialect module. Each method that writes more than one row does so in one transaction.
 */
export interface Store {
  readonly dialect: 'sqlite' | 'postgres';

  /** Applies pending migrations. Safe to call from several instances at once. */
  migrate(): Promise<void>;
  /** Throws when the database cannot answer a trivial query (used by /health/ready). */
  ping(): Promise<void>;
  close(): Promise<void>;

  // --- identities -------------------------------------------------------------------------------
  /**
   * Creates an identity with its credentials and addresses, and optionally its first session, atomically.
   * Throws DuplicateCredentialIdentifierError or DuplicateExternalIdError on a unique conflict.
   */
  createIdentity(identity: Identity, options?: { session?: NewSession; completeFlow?: FlowCompletion }): Promise<void>;
  /** Creates many identities in one transaction, skipping those whose identifier or id exists already. */
  importIdentities(identities: Identity[]): Promise<ImportOutcome[]>;
  getIdentity(id: string, options?: { withCredentials?: boolean }): Promise<Identity | null>;
  getIdentityByExternalId(externalId: string, options?: { withCredentials?: boolean }): Promise<Identity | null>;
  /** Finds the identity owning a credential identifier; the identity comes with its credentials. */
  findIdentityByCredentialIdentifier(type: CredentialType, identifier: string): Promise<Identity | null>;
  listIdentities(query: IdentityPageQuery): Promise<Identity[]>;
  countIdentities(): Promise<number>;
  /**
   * Replaces an identity's mutable fields. When `identity.credentials` is present the credentials are replaced
   * too, otherwise they are left as they are.
   */
  updateIdentity(identity: Identity): Promise<void>;
  /** Replaces one credential's config (e.g. a password rehashed to the current argon2id parameters). */
  updateCredentialConfig(identityId: string, type: CredentialType, config: JsonObject): Promise<void>;
  deleteIdentity(id: string): Promise<boolean>;

  // --- sessions ---------------------------------------------------------------------------------
  /** Stores a session; for a login it also bumps the identity's login counter, in the same transaction. */
  createSession(session: NewSession, options?: { countsAsLogin?: boolean; completeFlow?: FlowCompletion }): Promise<void>;
  /** The whoami hot path: one indexed lookup returning the session with its identity (no credentials). */
  findSessionByTokenHash(tokenHash: string): Promise<SessionWithIdentity | null>;
  findSessionByLogoutTokenHash(logoutTokenHash: string): Promise<Session | null>;
  getSession(id: string): Promise<SessionWithIdentity | null>;
  listSessions(query: SessionPageQuery): Promise<Array<Session | SessionWithIdentity>>;
  /** How many sessions match the filters of a listSessions query. */
  countSessions(query: SessionCountQuery): Promise<number>;
  /** Marks a session inactive. Returns false when no such session exists. */
  revokeSession(id: string): Promise<boolean>;
  /** Deletes all sessions of an identity; returns how many were deleted. */
  deleteIdentitySessions(identityId: string): Promise<number>;
  extendSession(id: string, expiresAt: Date): Promise<boolean>;

  // --- self-service flows -----------------------------------------------------------------------
  createFlow(flow: Flow): Promise<void>;
  getFlow(id: string): Promise<Flow | null>;
  /**
   * Saves a flow. A flow stored as completed (`passed_challenge`) is only overwritten by a write that keeps it
   * completed, so a concurrent submit that failed cannot reopen a flow another one completed.
   */
  updateFlow(flow: Flow): Promise<void>;
  /** Removes flows that expired before `before`; returns how many. */
  deleteExpiredFlows(before: Date): Promise<number>;

  // --- rate limiting ----------------------------------------------------------------------------
  /**
   * Records one hit for `key` and returns the number of hits in the sliding window ending now (including this
   * one). Shared by every instance on the same database.
   */
  hitRateLimit(key: string, windowMs: number, now: Date): Promise<number>;
  /**
   * Deletes the buckets of every key that started before `before` (keys that stopped being hit are otherwise
   * never cleaned up: each sprayed identifier would leave a row behind). Returns how many were deleted.
   */
  deleteStaleRateLimitBuckets(before: Date): Promise<number>;
}

/**
 * Default bound of each store's whoami memory (`tessera.database.session_cache_max_entries`): SQLite's session cache,
 * PostgreSQL's decoded rows.
 */
export const DEFAULT_SESSION_CACHE_ENTRIES = 10_000;
