import { fileURLToPath } from 'node:url';
import type Database from 'better-sqlite3';
import { and, asc, count, desc, eq, gt, inArray, lt, ne, or, sql, type SQL } from 'drizzle-orm';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { translateUniqueViolation } from './unique-violation.js';
import { DuplicateCredentialIdentifierError, FlowAlreadyCompletedError } from '../errors.js';
import { bucketStartOf, slidingWindowCount } from '../../selfservice/sliding-window.js';
import { DEFAULT_SESSION_CACHE_ENTRIES, type Store } from '../store.js';
import type { Credential, CredentialIdentifier, CredentialType, Identity } from '../../identity/identity.js';
import type { ExpiringKind, IdentityPageQuery, ImportOutcome, OidcProviderLinkEntry, SessionCountQuery, SessionPageQuery } from '../types.js';
import type { Flow, FlowCompletion } from '../../selfservice/flow.js';
import type { JsonObject } from '../../json-object.js';
import type { NewSession, Session, SessionWithIdentity } from '../../session/session.js';
import { CommitSync } from './commit-sync.js';
import { SqliteImportStatements } from './import-statements.js';
import { openSqliteDatabase } from './open-database.js';
import { PerTurnBatch } from '../per-turn-batch.js';
import { SessionCache } from './session-cache.js';
import { prepareSessionLookup, type SessionLookup } from './session-lookup.js';
import * as schema from './schema.js';
import { identities, identityCredentialIdentifiers, identityCredentials, rateLimitBuckets, selfserviceFlows, sessions } from './schema.js';
import { credentialsByIdentity, credentialToRow, flowFromRow, flowToRow, identityFromRow, identityToRow, sessionWithIdentityFromRows, sessionFromRow, sessionToRow, withProviderEntry } from '../rows.js';

const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../../migrations/sqlite', import.meta.url));

type Db = BetterSQLite3Database<typeof schema>;
type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/**
 * The embedded default store: better-sqlite3 (synchronous, in-process) behind the async Store interface.
 * Queries are microseconds, so running them on the event loop is cheaper than any hand-off; the whoami lookup
 * is a prepared statement.
 */
export class SqliteStore implements Store {
  readonly dialect = 'sqlite' as const;
  private readonly sqlite: Database.Database;
  private readonly db: Db;
  private readonly sessionByTokenHash: SessionLookup;
  private readonly sessionCache: SessionCache | null;
  /** Whoami lookups, answered per event-loop turn from the cache (one read of its stamp per turn). */
  private readonly sessionLookups: PerTurnBatch<SessionWithIdentity> | null;
  private importStatements: SqliteImportStatements | null = null;
  private readonly commitSync: CommitSync;

  /** `sessionCacheMaxEntries`: bound of the whoami cache (session-cache.ts); 0 turns it off. */
  constructor(dsn: string, options: { sessionCacheMaxEntries?: number } = {}) {
    this.sqlite = openSqliteDatabase(dsn);
    this.db = drizzle({ client: this.sqlite, schema });
    this.migrateNow();
    this.sessionByTokenHash = prepareSessionLookup(this.sqlite);
    const cacheEntries = options.sessionCacheMaxEntries ?? DEFAULT_SESSION_CACHE_ENTRIES;
    this.sessionCache = cacheEntries > 0 ? new SessionCache(this.sqlite, cacheEntries) : null;
    const cache = this.sessionCache;
    this.sessionLookups = cache ? new PerTurnBatch((tokenHashes) => cache.lookupAll(tokenHashes, (tokenHash) => this.loadSession(tokenHash))) : null;
    this.commitSync = CommitSync.of(this.sqlite);
  }

  /**
   * Runs a write whose loss in a power cut is harmless (a self-service flow, which the user simply starts again,
   * or a rate-limit counter) without the fsync that `synchronous = FULL` makes every commit pay (commit-sync.ts).
   */
  private withoutCommitSync<T>(write: () => T): T {
    return this.commitSync.relaxedFor(write);
  }

  private migrateNow(): void {
    migrate(this.db, { migrationsFolder: MIGRATIONS_FOLDER });
  }

  async migrate(): Promise<void> {
    this.migrateNow();
  }

  async ping(): Promise<void> {
    this.sqlite.prepare('select 1').get();
  }

  async close(): Promise<void> {
    if (this.sqlite.open) {
      this.sqlite.pragma('optimize');
      this.sqlite.close();
    }
  }

  // --- identities -------------------------------------------------------------------------------

  async createIdentity(identity: Identity, options: { session?: NewSession; completeFlow?: FlowCompletion } = {}): Promise<void> {
    this.db.transaction(
      (tx) => {
        if (options.completeFlow) this.completeFlowIn(tx, options.completeFlow);
        this.insertIdentity(tx, identity);
        if (options.session) this.insertSession(tx, options.session, true);
      },
      { behavior: 'immediate' },
    );
  }

  async importIdentities(batch: Identity[]): Promise<ImportOutcome[]> {
    this.importStatements ??= new SqliteImportStatements(this.sqlite);
    return this.importStatements.run(batch);
  }

  private insertIdentity(tx: Tx, identity: Identity): void {
    try {
      tx.insert(identities).values(identityToRow(identity)).run();
    } catch (error) {
      throw translateUniqueViolation(error);
    }
    this.insertCredentials(tx, identity.id, identity.credentials ?? []);
  }

  private insertCredentials(tx: Tx, identityId: string, credentials: Credential[]): void {
    for (const credential of credentials) {
      tx.insert(identityCredentials).values(credentialToRow(identityId, credential)).run();
      for (const identifier of credential.identifiers) {
        try {
          tx.insert(identityCredentialIdentifiers).values({ type: credential.type, identifier, identityId }).run();
        } catch (error) {
          throw translateUniqueViolation(error, identifier);
        }
      }
    }
  }

  private loadCredentials(tx: Db | Tx, identityIds: string[]): Map<string, Credential[]> {
    if (identityIds.length === 0) return new Map();
    const rows = tx.select().from(identityCredentials).where(inArray(identityCredentials.identityId, identityIds)).all();
    const identifierRows = tx
      .select()
      .from(identityCredentialIdentifiers)
      .where(inArray(identityCredentialIdentifiers.identityId, identityIds))
      .orderBy(asc(identityCredentialIdentifiers.identifier))
      .all();
    return credentialsByIdentity(rows, identifierRows);
  }

  private withCredentials(list: Identity[], wanted: boolean | undefined): Identity[] {
    if (!wanted) return list;
    const credentials = this.loadCredentials(
      this.db,
      list.map((i) => i.id),
    );
    for (const identity of list) identity.credentials = credentials.get(identity.id) ?? [];
    return list;
  }

  async getIdentity(id: string, options: { withCredentials?: boolean } = {}): Promise<Identity | null> {
    const row = this.db.select().from(identities).where(eq(identities.id, id)).get();
    return row ? (this.withCredentials([identityFromRow(row)], options.withCredentials)[0] ?? null) : null;
  }

  async getIdentityByExternalId(externalId: string, options: { withCredentials?: boolean } = {}): Promise<Identity | null> {
    const row = this.db.select().from(identities).where(eq(identities.externalId, externalId)).get();
    return row ? (this.withCredentials([identityFromRow(row)], options.withCredentials)[0] ?? null) : null;
  }

  async findIdentityByCredentialIdentifier(type: CredentialType, identifier: string): Promise<Identity | null> {
    const row = this.db
      .select({ identity: identities })
      .from(identityCredentialIdentifiers)
      .innerJoin(identities, eq(identities.id, identityCredentialIdentifiers.identityId))
      .where(and(eq(identityCredentialIdentifiers.type, type), eq(identityCredentialIdentifiers.identifier, identifier)))
      .get();
    return row ? (this.withCredentials([identityFromRow(row.identity)], true)[0] ?? null) : null;
  }

  async listIdentities(query: IdentityPageQuery): Promise<Identity[]> {
    const conditions = [];
    if (query.after) conditions.push(gt(identities.id, query.after));
    if (query.ids) conditions.push(inArray(identities.id, query.ids.length ? query.ids : ['']));
    if (query.credentialIdentifiers !== undefined) conditions.push(inArray(identities.id, this.ownersOf(query.credentialIdentifiers)));
    const rows = this.db
      .select()
      .from(identities)
      .where(conditions.length ? and(...conditions) : undefined)
      .orderBy(asc(identities.id))
      .limit(query.pageSize)
      .offset(query.offset ?? 0)
      .all();
    return this.withCredentials(rows.map(identityFromRow), query.withCredentials);
  }

  /** The ids of the identities owning any of these identifiers, through the (type, identifier) primary key. */
  private ownersOf(wanted: CredentialIdentifier[]) {
    const matches = wanted.map(({ type, identifier }) => and(eq(identityCredentialIdentifiers.type, type), eq(identityCredentialIdentifiers.identifier, identifier)));
    return this.db
      .select({ id: identityCredentialIdentifiers.identityId })
      .from(identityCredentialIdentifiers)
      .where(matches.length > 0 ? or(...matches) : sql`0`);
  }

  async countIdentities(): Promise<number> {
    return this.db.select({ n: count() }).from(identities).get()?.n ?? 0;
  }

  async updateIdentity(identity: Identity): Promise<void> {
    this.db.transaction((tx) => {
      const { id: _id, createdAt: _createdAt, loginsCount: _loginsCount, lastLoginAt: _lastLoginAt, ...fields } = identityToRow(identity);
      try {
        tx.update(identities).set(fields).where(eq(identities.id, identity.id)).run();
      } catch (error) {
        throw translateUniqueViolation(error);
      }
      if (identity.credentials) {
        tx.delete(identityCredentialIdentifiers).where(eq(identityCredentialIdentifiers.identityId, identity.id)).run();
        tx.delete(identityCredentials).where(eq(identityCredentials.identityId, identity.id)).run();
        this.insertCredentials(tx, identity.id, identity.credentials);
      }
    });
  }

  async updateCredentialConfig(identityId: string, type: CredentialType, config: JsonObject): Promise<void> {
    this.db
      .update(identityCredentials)
      .set({ config, updatedAt: new Date() })
      .where(and(eq(identityCredentials.identityId, identityId), eq(identityCredentials.type, type)))
      .run();
  }

  async addOidcProviderLink(identityId: string, link: OidcProviderLinkEntry, now: Date): Promise<boolean> {
    // IMMEDIATE: the credential's config is read and rewritten under the write lock, so two links added at
    // once (from this or another process) both end up in it.
    return this.db.transaction(
      (tx) => {
        if (!tx.select({ id: identities.id }).from(identities).where(eq(identities.id, identityId)).get()) return false;
        const owner = tx
          .select({ identityId: identityCredentialIdentifiers.identityId })
          .from(identityCredentialIdentifiers)
          .where(and(eq(identityCredentialIdentifiers.type, 'oidc'), eq(identityCredentialIdentifiers.identifier, link.identifier)))
          .get();
        if (owner) {
          if (owner.identityId === identityId) return true;
          throw new DuplicateCredentialIdentifierError(link.identifier);
        }
        tx.insert(identityCredentialIdentifiers).values({ type: 'oidc', identifier: link.identifier, identityId }).run();
        const credential = tx
          .select({ config: identityCredentials.config })
          .from(identityCredentials)
          .where(and(eq(identityCredentials.identityId, identityId), eq(identityCredentials.type, 'oidc')))
          .get();
        if (credential) {
          tx.update(identityCredentials)
            .set({ config: withProviderEntry(credential.config, link.provider), updatedAt: now })
            .where(and(eq(identityCredentials.identityId, identityId), eq(identityCredentials.type, 'oidc')))
            .run();
        } else {
          tx.insert(identityCredentials).values({ identityId, type: 'oidc', config: { providers: [link.provider] }, version: 0, createdAt: now, updatedAt: now }).run();
        }
        tx.update(identities).set({ updatedAt: now }).where(eq(identities.id, identityId)).run();
        return true;
      },
      { behavior: 'immediate' },
    );
  }

  async deleteIdentity(id: string): Promise<boolean> {
    return this.db.delete(identities).where(eq(identities.id, id)).run().changes > 0;
  }

  // --- sessions ---------------------------------------------------------------------------------

  async createSession(session: NewSession, options: { countsAsLogin?: boolean; completeFlow?: FlowCompletion } = {}): Promise<void> {
    this.db.transaction(
      (tx) => {
        if (options.completeFlow) this.completeFlowIn(tx, options.completeFlow);
        this.insertSession(tx, session, options.countsAsLogin ?? true);
      },
      { behavior: 'immediate' },
    );
  }

  /** The compare-and-set of FlowCompletion: only a flow not yet completed (or not changed since) may be completed. */
  private completeFlowIn(tx: Tx, completion: FlowCompletion): void {
    const { id, createdAt: _createdAt, ...fields } = flowToRow({ ...completion.flow, state: 'passed_challenge' });
    const unchanged = completion.expectedUpdatedAt ? eq(selfserviceFlows.updatedAt, completion.expectedUpdatedAt) : ne(selfserviceFlows.state, 'passed_challenge');
    const changed = tx
      .update(selfserviceFlows)
      .set(fields)
      .where(and(eq(selfserviceFlows.id, id), unchanged))
      .run().changes;
    if (changed === 0) throw new FlowAlreadyCompletedError();
  }

  private insertSession(tx: Tx, session: NewSession, countsAsLogin: boolean): void {
    tx.insert(sessions).values(sessionToRow(session)).run();
    if (countsAsLogin) {
      tx.update(identities)
        .set({ loginsCount: sql`${identities.loginsCount} + 1`, lastLoginAt: session.authenticatedAt })
        .where(eq(identities.id, session.identityId))
        .run();
    }
  }

  async findSessionByTokenHash(tokenHash: string): Promise<SessionWithIdentity | null> {
    if (!this.sessionLookups) return this.loadSession(tokenHash);
    return (await this.sessionLookups.get(tokenHash)) ?? null;
  }

  private loadSession(tokenHash: string): SessionWithIdentity | null {
    const row = this.sessionByTokenHash(tokenHash);
    return row ? sessionWithIdentityFromRows(row) : null;
  }

  /** Sessions held by the whoami cache (for tests). */
  get cachedSessions(): number {
    return this.sessionCache?.size ?? 0;
  }

  async findSessionByLogoutTokenHash(logoutTokenHash: string): Promise<Session | null> {
    const row = this.db.select().from(sessions).where(eq(sessions.logoutTokenHash, logoutTokenHash)).get();
    return row ? sessionFromRow(row) : null;
  }

  async getSession(id: string): Promise<SessionWithIdentity | null> {
    const row = this.db.select({ session: sessions, identity: identities }).from(sessions).innerJoin(identities, eq(identities.id, sessions.identityId)).where(eq(sessions.id, id)).get();
    return row ? sessionWithIdentityFromRows(row) : null;
  }

  async listSessions(query: SessionPageQuery): Promise<Array<Session | SessionWithIdentity>> {
    const conditions = this.sessionFilters(query);
    if (query.after) {
      const at = query.after.createdAt;
      conditions.push(or(lt(sessions.createdAt, at), and(eq(sessions.createdAt, at), gt(sessions.id, query.after.id))) as SQL);
    }
    const rows = this.db
      .select({ session: sessions, identity: identities })
      .from(sessions)
      .innerJoin(identities, eq(identities.id, sessions.identityId))
      .where(conditions.length ? and(...conditions) : undefined)
      .orderBy(desc(sessions.createdAt), asc(sessions.id))
      .limit(query.pageSize)
      .offset(query.offset ?? 0)
      .all();
    return rows.map((row) => (query.withIdentity ? sessionWithIdentityFromRows(row) : sessionFromRow(row.session)));
  }

  async countSessions(query: SessionCountQuery): Promise<number> {
    const conditions = this.sessionFilters(query);
    return (
      this.db
        .select({ n: count() })
        .from(sessions)
        .innerJoin(identities, eq(identities.id, sessions.identityId))
        .where(conditions.length ? and(...conditions) : undefined)
        .get()?.n ?? 0
    );
  }

  private sessionFilters(query: SessionCountQuery): SQL[] {
    const conditions: SQL[] = [];
    if (query.identityId) conditions.push(eq(sessions.identityId, query.identityId));
    if (query.active !== undefined) {
      const now = new Date();
      conditions.push(
        query.active
          ? (and(eq(sessions.active, true), gt(sessions.expiresAt, now), eq(identities.state, 'active')) as SQL)
          : sql`not (${sessions.active} = 1 and ${sessions.expiresAt} > ${now.getTime()} and ${identities.state} = 'active')`,
      );
    }
    return conditions;
  }

  async revokeSession(id: string): Promise<boolean> {
    return this.db.update(sessions).set({ active: false, updatedAt: new Date() }).where(eq(sessions.id, id)).run().changes > 0;
  }

  async deleteIdentitySessions(identityId: string): Promise<number> {
    return this.db.delete(sessions).where(eq(sessions.identityId, identityId)).run().changes;
  }

  async extendSession(id: string, expiresAt: Date): Promise<boolean> {
    return this.db.update(sessions).set({ expiresAt, updatedAt: new Date() }).where(eq(sessions.id, id)).run().changes > 0;
  }

  // --- flows ------------------------------------------------------------------------------------

  async createFlow(flow: Flow): Promise<void> {
    this.withoutCommitSync(() => this.db.insert(selfserviceFlows).values(flowToRow(flow)).run());
  }

  async getFlow(id: string): Promise<Flow | null> {
    const row = this.db.select().from(selfserviceFlows).where(eq(selfserviceFlows.id, id)).get();
    return row ? flowFromRow(row) : null;
  }

  async updateFlow(flow: Flow): Promise<void> {
    const { id: _id, createdAt: _createdAt, ...fields } = flowToRow(flow);
    const notReopening = flow.state === 'passed_challenge' ? undefined : ne(selfserviceFlows.state, 'passed_challenge');
    this.withoutCommitSync(() => this.db.update(selfserviceFlows).set(fields).where(and(eq(selfserviceFlows.id, flow.id), notReopening)).run());
  }

  async completeFlow(completion: FlowCompletion): Promise<void> {
    this.db.transaction((tx) => this.completeFlowIn(tx, completion), { behavior: 'immediate' });
  }

  async updateFlowIfUnchanged(flow: Flow, expectedUpdatedAt: Date): Promise<boolean> {
    const { id, createdAt: _createdAt, ...fields } = flowToRow(flow);
    return this.db.update(selfserviceFlows).set(fields).where(and(eq(selfserviceFlows.id, id), eq(selfserviceFlows.updatedAt, expectedUpdatedAt))).run().changes > 0;
  }

  // --- rate limiting ----------------------------------------------------------------------------

  async hitRateLimit(key: string, windowMs: number, now: Date): Promise<number> {
    const nowMs = now.getTime();
    const bucketStart = bucketStartOf(nowMs, windowMs);
    // IMMEDIATE takes the write lock at BEGIN: hits from other processes on the same file wait (busy_timeout)
    // and count in turn, and nothing is read from a snapshot that another writer has changed since.
    return this.withoutCommitSync(() => this.db.transaction((tx) => {
      const current = tx
        .insert(rateLimitBuckets)
        .values({ key, bucketStart, count: 1 })
        .onConflictDoUpdate({ target: [rateLimitBuckets.key, rateLimitBuckets.bucketStart], set: { count: sql`${rateLimitBuckets.count} + 1` } })
        .returning({ count: rateLimitBuckets.count })
        .get();
      const previous = tx
        .select({ count: rateLimitBuckets.count })
        .from(rateLimitBuckets)
        .where(and(eq(rateLimitBuckets.key, key), eq(rateLimitBuckets.bucketStart, bucketStart - windowMs)))
        .get();
      tx.delete(rateLimitBuckets).where(and(eq(rateLimitBuckets.key, key), lt(rateLimitBuckets.bucketStart, bucketStart - windowMs))).run();
      return slidingWindowCount(previous?.count ?? 0, current.count, (nowMs - bucketStart) / windowMs);
    }, { behavior: 'immediate' }));
  }

  async countRateLimit(key: string, windowMs: number, now: Date): Promise<number> {
    const nowMs = now.getTime();
    const bucketStart = bucketStartOf(nowMs, windowMs);
    const counts = this.db
      .select({ bucketStart: rateLimitBuckets.bucketStart, count: rateLimitBuckets.count })
      .from(rateLimitBuckets)
      .where(and(eq(rateLimitBuckets.key, key), inArray(rateLimitBuckets.bucketStart, [bucketStart, bucketStart - windowMs])))
      .all();
    const countAt = (start: number): number => counts.find((c) => c.bucketStart === start)?.count ?? 0;
    return slidingWindowCount(countAt(bucketStart - windowMs), countAt(bucketStart), (nowMs - bucketStart) / windowMs);
  }

  async refundRateLimit(key: string, windowMs: number, hitAt: Date): Promise<void> {
    const bucketStart = bucketStartOf(hitAt.getTime(), windowMs);
    this.withoutCommitSync(() =>
      this.db
        .update(rateLimitBuckets)
        .set({ count: sql`${rateLimitBuckets.count} - 1` })
        .where(and(eq(rateLimitBuckets.key, key), eq(rateLimitBuckets.bucketStart, bucketStart), gt(rateLimitBuckets.count, 0)))
        .run(),
    );
  }

  // --- expired rows -----------------------------------------------------------------------------

  async deleteExpired(kind: ExpiringKind, before: Date, limit: number): Promise<number> {
    const { table, time, indexed } = EXPIRING_COLUMNS[kind];
    // By rowid: one pass picks the batch and the delete touches only it. Oldest first where an index gives that
    // order for free; elsewhere a sort would read the whole table for every batch, and any expired rows will do.
    const order = indexed ? sql` order by ${time}` : sql``;
    return this.db.run(sql`delete from ${table} where rowid in (select rowid from ${table} where ${time} <= ${before.getTime()}${order} limit ${limit})`).changes;
  }
}

/**
 * The table and time column of each kind of expiring row (times are epoch milliseconds in every column), and
 * whether an index orders the rows by it (rate-limit buckets have none: their writes are the hot ones).
 */
const EXPIRING_COLUMNS: Record<ExpiringKind, { table: SQLiteTable; time: SQLiteColumn; indexed: boolean }> = {
  sessions: { table: sessions, time: sessions.expiresAt, indexed: true },
  flows: { table: selfserviceFlows, time: selfserviceFlows.expiresAt, indexed: true },
  rate_limit_buckets: { table: rateLimitBuckets, time: rateLimitBuckets.bucketStart, indexed: false },
};
