import type { CredentialType, Identity } from '../identity/identity.js';
import type { ExpiringKind, IdentityPageQuery, ImportOutcome, OidcProviderLinkEntry, SessionCountQuery, SessionPageQuery } from './types.js';
import type { Flow, FlowCompletion } from '../selfservice/flow.js';
import type { JsonObject } from '../json-object.js';
import type { NewSession, Session, SessionWithIdentity } from '../session/session.js';

/**
 * Everything the service persists goes through this interface. It is async so that SQLite (embedded, the
 * default) and PostgreSQL (several instances on one database) are interchangeable; feature code never imports
 * a dialect module. Each method that writes more than one row does so in one transaction.
 */
export interface Store extends StoreLifecycle, IdentityStore, IdentityImportStore, OidcLinkStore, SessionStore, FlowStore, RateLimitStore, ExpiredRowStore {}

/** Opening, migrating, checking and closing the database itself (runtime wiring and /health/ready). */
export interface StoreLifecycle {
  readonly dialect: 'sqlite' | 'postgres';

  /** Applies pending migrations. Safe to call from several instances at once. */
  migrate(): Promise<void>;
  /** Throws when the database cannot answer a trivial query (used by /health/ready). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Identities with their credentials and addresses. */
export interface IdentityStore {
  /**
   * Creates an identity with its credentials and addresses, and optionally its first session, atomically.
   * Throws DuplicateCredentialIdentifierError or DuplicateExternalIdError on a unique conflict.
   */
  createIdentity(identity: Identity, options?: { session?: NewSession; completeFlow?: FlowCompletion }): Promise<void>;
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
}

/** Bulk import (`tessera import`, the admin batch endpoint). */
export interface IdentityImportStore {
  /** Creates many identities in one transaction, skipping those whose identifier or id exists already. */
  importIdentities(identities: Identity[]): Promise<ImportOutcome[]>;
}

/** Linking an upstream account to an existing identity (the oidc method's account linking). */
export interface OidcLinkStore {
  /**
   * Adds one upstream account to an identity's `oidc` credential (creating the credential when there is none):
   * its identifier and its `config.providers[]` entry, and nothing else, in one transaction. Traits, state and
   * the other credentials are not rewritten, so a concurrent change to them is kept. Does nothing when the
   * identity has this identifier already; throws DuplicateCredentialIdentifierError when another identity has
   * it. Returns false when the identity does not exist.
   */
  addOidcProviderLink(identityId: string, link: OidcProviderLinkEntry, now: Date): Promise<boolean>;
}

/** Sessions; creating one can complete the flow that authorized it (FlowCompletion). */
export interface SessionStore {
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
}

/** Self-service flows. Completing one is part of the write it authorizes (IdentityStore, SessionStore). */
export interface FlowStore {
  createFlow(flow: Flow): Promise<void>;
  getFlow(id: string): Promise<Flow | null>;
  /**
   * Saves a flow. A flow stored as completed (`passed_challenge`) is only overwritten by a write that keeps it
   * completed, so a concurrent submit that failed cannot reopen a flow another one completed.
   */
  updateFlow(flow: Flow): Promise<void>;
  /**
   * Compare-and-set: saves `flow` only if the stored flow's `updated_at` is still `expectedUpdatedAt`, and says
   * whether it did. Of several requests that read the same flow and each want to act on it once (consume a
   * pending upstream sign-in, redeem a token exchange), exactly one wins. `flow.updatedAt` must be later than
   * `expectedUpdatedAt`, so that the winner's write changes what the others compare against.
   */
  updateFlowIfUnchanged(flow: Flow, expectedUpdatedAt: Date): Promise<boolean>;
  /**
   * Completes a flow with nothing else to write in the same transaction (FlowCompletion's compare-and-set on its
   * own); throws FlowAlreadyCompletedError, writing nothing, when it was completed (or changed) meanwhile.
   */
  completeFlow(completion: FlowCompletion): Promise<void>;
}

/** Rate-limit counters shared by every instance on the same database (sliding windows, src/selfservice/sliding-window.ts). */
export interface RateLimitStore {
  /**
   * Records one hit for `key` and returns the number of hits in the sliding window ending now (including this
   * one). Shared by every instance on the same database.
   */
  hitRateLimit(key: string, windowMs: number, now: Date): Promise<number>;
  /** The number of hits in the sliding window ending now, without recording one (a read, never a write). */
  countRateLimit(key: string, windowMs: number, now: Date): Promise<number>;
  /**
   * Takes back one hit recorded at `hitAt` (the `now` given to hitRateLimit), e.g. an attempt that turned out
   * not to be a failure. Never takes a bucket below zero; a bucket already pruned is left alone.
   */
  refundRateLimit(key: string, windowMs: number, hitAt: Date): Promise<void>;
}

/** Deleting what has expired (`tessera cleanup` and the built-in maintenance). */
export interface ExpiredRowStore {
  /**
   * Deletes at most `limit` rows of one kind whose time (ExpiringKind) is at or before `before`, oldest first, in
   * one short statement, and returns how many: a large table is never locked for long, and the caller
   * (src/runtime/cleanup.ts) loops until a batch comes back short. Safe to run from several instances at once.
   */
  deleteExpired(kind: ExpiringKind, before: Date, limit: number): Promise<number>;
}

/**
 * Default bound of each store's whoami memory (`tessera.database.session_cache_max_entries`): SQLite's session cache,
 * PostgreSQL's decoded rows.
 */
export const DEFAULT_SESSION_CACHE_ENTRIES = 10_000;
