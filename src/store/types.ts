import type { CredentialIdentifier } from '../identity/identity.js';
import type { JsonObject } from '../json-object.js';

// What the Store interfaces take and give besides the domain records (src/identity/identity.ts,
// src/session/session.ts, src/selfservice/flow.ts): queries, pages, import outcomes, expiring row kinds.

/**
 * The rows that expire, each at its own time: a session and a self-service flow at `expires_at`, a rate-limit
 * bucket at the start of its window (it is read for two windows, so it is stale two windows later). What
 * `tessera cleanup` and the built-in maintenance delete (src/runtime/cleanup.ts); courier messages come next.
 */
export const EXPIRING_KINDS = ['sessions', 'flows', 'rate_limit_buckets'] as const;
export type ExpiringKind = (typeof EXPIRING_KINDS)[number];

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
