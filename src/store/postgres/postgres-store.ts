import { and, asc, count, desc, eq, gt, inArray, lt, lte, ne, or, sql, type SQL } from 'drizzle-orm';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import pg from 'pg';
import { DuplicateCredentialIdentifierError, DuplicateExternalIdError, DuplicateIdError, FlowAlreadyCompletedError, importSkipReason } from '../errors.js';
import { credentialsByIdentity, credentialToRow, flowFromRow, flowToRow, identityFromRow, identityToRow, sessionWithIdentityFromRows, sessionFromRow, sessionToRow, withProviderEntry } from '../rows.js';
import { bucketStartOf, slidingWindowCount } from '../../selfservice/sliding-window.js';
import { DEFAULT_SESSION_CACHE_ENTRIES, type Store } from '../store.js';
import type { Credential, CredentialType, Identity } from '../../identity/identity.js';
import type { ExpiringKind, IdentityPageQuery, ImportOutcome, OidcProviderLinkEntry, SessionCountQuery, SessionPageQuery } from '../types.js';
import type { Flow, FlowCompletion } from '../../selfservice/flow.js';
import type { JsonObject } from '../../json-object.js';
import type { NewSession, Session, SessionWithIdentity } from '../../session/session.js';
import { hasNulCharacter, sqlStateOf } from './database-errors.js';
import { migrateUnderAdvisoryLock } from './migrate-under-lock.js';
import { poolConfigFor, type PostgresStoreOptions } from './pool-config.js';
import { PostgresSessionLookup } from './session-lookup.js';
import * as schema from './schema.js';
import { identities, identityCredentialIdentifiers, identityCredentials, rateLimitBuckets, selfserviceFlows, sessions } from './schema.js';
import { withTranslatedErrors } from './translated-errors.js';

type Db = NodePgDatabase<typeof schema>;
type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
type Executor = Db | Tx;

/**
 * The store for several instances on one PostgreSQL database: node-postgres behind a bounded pool, with the
 * same semantics as SqliteStore. Nothing is cached in the process, so a write by one instance is what every
 * instance reads next. Writes that belong together run in one transaction; the whoami lookup is one named
 * prepared statement. Failures of the database itself surface as DatabaseUnavailableError (see
 * database-errors.ts), translated once at the boundary by `connect`.
 */
export class PostgresStore implements Store {
  readonly dialect = 'postgres' as const;
  private readonly pool: pg.Pool;
  private readonly db: Db;
  private readonly config: pg.PoolConfig;
  private readonly sessionLookup: PostgresSessionLookup;
  private readonly migrationLockTimeoutMs: number | undefined;
  private closed = false;

  /** Opens the pool lazily: nothing connects until the first query (usually `migrate()` at start). */
  static async connect(dsn: string, options: PostgresStoreOptions = {}): Promise<Store> {
    return withTranslatedErrors(new PostgresStore(dsn, options));
  }

  private constructor(dsn: string, options: PostgresStoreOptions) {
    this.config = poolConfigFor(dsn, options);
    this.migrationLockTimeoutMs = options.migrationLockTimeoutMs;
    this.pool = new pg.Pool(this.config);
    // When the database goes away, idle connections and connections in use between two statements of a
    // transaction report it as an 'error' event. Unheard, that event would end the process; the queries
    // involved reject on their own, and the pool drops those connections and opens fresh ones once the
    // database is back.
    this.pool.on('error', () => undefined);
    this.pool.on('connect', (client) => client.on('error', () => undefined));
    this.db = drizzle({ client: this.pool, schema });
    this.sessionLookup = new PostgresSessionLookup(this.pool, options.sessionCacheMaxEntries ?? DEFAULT_SESSION_CACHE_ENTRIES);
  }

  async migrate(): Promise<void> {
    await migrateUnderAdvisoryLock(this.config, { lockTimeoutMs: this.migrationLockTimeoutMs });
  }

  async ping(): Promise<void> {
    await this.pool.query('select 1');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  // --- identities -------------------------------------------------------------------------------

  async createIdentity(identity: Identity, options: { session?: NewSession; completeFlow?: FlowCompletion } = {}): Promise<void> {
    await this.db.transaction(async (tx) => {
      if (options.completeFlow) await this.completeFlowIn(tx, options.completeFlow);
      await this.insertIdentity(tx, identity);
      if (options.session) await this.insertSession(tx, options.session, true);
    });
  }

  async importIdentities(batch: Identity[]): Promise<ImportOutcome[]> {
    return this.db.transaction(async (tx) => {
      const outcomes: ImportOutcome[] = [];
      for (const identity of batch) {
        try {
          // A savepoint per identity: a conflict (even one with a concurrent writer) skips that identity only.
          await tx.transaction((savepoint) => this.insertIdentity(savepoint, identity));
          outcomes.push({ id: identity.id, status: 'created' });
        } catch (error) {
          const reason = importSkipReason(error);
          if (reason === null) throw error;
          outcomes.push({ id: identity.id, status: 'skipped', reason });
        }
      }
      return outcomes;
    });
  }

  private async insertIdentity(tx: Tx, identity: Identity): Promise<void> {
    try {
      await tx.insert(identities).values(identityToRow(identity));
    } catch (error) {
      throw uniqueViolationOf(error) ?? error;
    }
    await this.insertCredentials(tx, identity.id, identity.credentials ?? []);
  }

  private async insertCredentials(tx: Tx, identityId: string, credentials: Credential[]): Promise<void> {
    if (credentials.length === 0) return;
    await tx.insert(identityCredentials).values(credentials.map((credential) => credentialToRow(identityId, credential)));
    const wanted = credentials.flatMap((credential) => credential.identifiers.map((identifier) => ({ type: credential.type, identifier, identityId })));
    if (wanted.length === 0) return;
    // ON CONFLICT DO NOTHING instead of a failing insert: one round trip for all identifiers, and the rows that
    // were not inserted name the identifier that is taken (a unique violation would only say "some").
    const inserted = await tx
      .insert(identityCredentialIdentifiers)
      .values(wanted)
      .onConflictDoNothing()
      .returning({ type: identityCredentialIdentifiers.type, identifier: identityCredentialIdentifiers.identifier });
    if (inserted.length < wanted.length) throw new DuplicateCredentialIdentifierError(firstNotInserted(wanted, inserted));
  }

  private async loadCredentials(executor: Executor, identityIds: string[]): Promise<Map<string, Credential[]>> {
    if (identityIds.length === 0) return new Map();
    const [rows, identifierRows] = await Promise.all([
      executor.select().from(identityCredentials).where(inArray(identityCredentials.identityId, identityIds)),
      executor
        .select()
        .from(identityCredentialIdentifiers)
        .where(inArray(identityCredentialIdentifiers.identityId, identityIds))
        .orderBy(asc(identityCredentialIdentifiers.identifier)),
    ]);
    return credentialsByIdentity(rows, identifierRows);
  }

  private async withCredentials(list: Identity[], wanted: boolean | undefined): Promise<Identity[]> {
    if (!wanted) return list;
    const credentials = await this.loadCredentials(
      this.db,
      list.map((i) => i.id),
    );
    for (const identity of list) identity.credentials = credentials.get(identity.id) ?? [];
    return list;
  }

  async getIdentity(id: string, options: { withCredentials?: boolean } = {}): Promise<Identity | null> {
    if (hasNulCharacter(id)) return null;
    const [row] = await this.db.select().from(identities).where(eq(identities.id, id));
    return row ? ((await this.withCredentials([identityFromRow(row)], options.withCredentials))[0] ?? null) : null;
  }

  async getIdentityByExternalId(externalId: string, options: { withCredentials?: boolean } = {}): Promise<Identity | null> {
    if (hasNulCharacter(externalId)) return null;
    const [row] = await this.db.select().from(identities).where(eq(identities.externalId, externalId));
    return row ? ((await this.withCredentials([identityFromRow(row)], options.withCredentials))[0] ?? null) : null;
  }

  async findIdentityByCredentialIdentifier(type: CredentialType, identifier: string): Promise<Identity | null> {
    if (hasNulCharacter(identifier)) return null;
    const [row] = await this.db
      .select({ identity: identities })
      .from(identityCredentialIdentifiers)
      .innerJoin(identities, eq(identities.id, identityCredentialIdentifiers.identityId))
      .where(and(eq(identityCredentialIdentifiers.type, type), eq(identityCredentialIdentifiers.identifier, identifier)));
    return row ? ((await this.withCredentials([identityFromRow(row.identity)], true))[0] ?? null) : null;
  }

  async listIdentities(query: IdentityPageQuery): Promise<Identity[]> {
    const ids = query.ids?.filter((id) => !hasNulCharacter(id));
    const wanted = query.credentialIdentifiers?.filter(({ identifier }) => !hasNulCharacter(identifier));
    if (hasNulCharacter(query.after)) return [];
    const conditions = [];
    if (query.after) conditions.push(gt(identities.id, query.after));
    if (ids) conditions.push(inArray(identities.id, ids.length ? ids : ['']));
    if (wanted !== undefined) {
      const matches = wanted.map(({ type, identifier }) => and(eq(identityCredentialIdentifiers.type, type), eq(identityCredentialIdentifiers.identifier, identifier)));
      const owners = this.db
        .select({ id: identityCredentialIdentifiers.identityId })
        .from(identityCredentialIdentifiers)
        .where(matches.length > 0 ? or(...matches) : sql`false`);
      conditions.push(inArray(identities.id, owners));
    }
    const rows = await this.db
      .select()
      .from(identities)
      .where(conditions.length ? and(...conditions) : undefined)
      .orderBy(asc(identities.id))
      .limit(query.pageSize)
      .offset(query.offset ?? 0);
    return this.withCredentials(rows.map(identityFromRow), query.withCredentials);
  }

  async countIdentities(): Promise<number> {
    const [row] = await this.db.select({ n: count() }).from(identities);
    return row?.n ?? 0;
  }

  async updateIdentity(identity: Identity): Promise<void> {
    await this.db.transaction(async (tx) => {
      const { id: _id, createdAt: _createdAt, loginsCount: _loginsCount, lastLoginAt: _lastLoginAt, ...fields } = identityToRow(identity);
      try {
        await tx.update(identities).set(fields).where(eq(identities.id, identity.id));
      } catch (error) {
        throw uniqueViolationOf(error) ?? error;
      }
      if (identity.credentials) {
        await tx.delete(identityCredentialIdentifiers).where(eq(identityCredentialIdentifiers.identityId, identity.id));
        await tx.delete(identityCredentials).where(eq(identityCredentials.identityId, identity.id));
        await this.insertCredentials(tx, identity.id, identity.credentials);
      }
    });
  }

  async updateCredentialConfig(identityId: string, type: CredentialType, config: JsonObject): Promise<void> {
    if (hasNulCharacter(identityId)) return;
    await this.db
      .update(identityCredentials)
      .set({ config, updatedAt: new Date() })
      .where(and(eq(identityCredentials.identityId, identityId), eq(identityCredentials.type, type)));
  }

  async addOidcProviderLink(identityId: string, link: OidcProviderLinkEntry, now: Date): Promise<boolean> {
    if (hasNulCharacter(identityId)) return false;
    return this.db.transaction(async (tx) => {
      // The identity's row lock serializes links to one identity (each reads and rewrites the credential's
      // config); NO KEY UPDATE leaves sessions of the identity free to be created meanwhile.
      const [identity] = await tx.select({ id: identities.id }).from(identities).where(eq(identities.id, identityId)).for('no key update');
      if (!identity) return false;
      const [inserted] = await tx.insert(identityCredentialIdentifiers).values({ type: 'oidc', identifier: link.identifier, identityId }).onConflictDoNothing().returning({ identityId: identityCredentialIdentifiers.identityId });
      if (!inserted) {
        const [owner] = await tx
          .select({ identityId: identityCredentialIdentifiers.identityId })
          .from(identityCredentialIdentifiers)
          .where(and(eq(identityCredentialIdentifiers.type, 'oidc'), eq(identityCredentialIdentifiers.identifier, link.identifier)));
        if (owner?.identityId === identityId) return true;
        throw new DuplicateCredentialIdentifierError(link.identifier);
      }
      const [credential] = await tx
        .select({ config: identityCredentials.config })
        .from(identityCredentials)
        .where(and(eq(identityCredentials.identityId, identityId), eq(identityCredentials.type, 'oidc')));
      if (credential) {
        await tx
          .update(identityCredentials)
          .set({ config: withProviderEntry(credential.config, link.provider), updatedAt: now })
          .where(and(eq(identityCredentials.identityId, identityId), eq(identityCredentials.type, 'oidc')));
      } else {
        await tx.insert(identityCredentials).values({ identityId, type: 'oidc', config: { providers: [link.provider] }, version: 0, createdAt: now, updatedAt: now });
      }
      await tx.update(identities).set({ updatedAt: now }).where(eq(identities.id, identityId));
      return true;
    });
  }

  async deleteIdentity(id: string): Promise<boolean> {
    if (hasNulCharacter(id)) return false;
    return rowsAffected(await this.db.delete(identities).where(eq(identities.id, id))) > 0;
  }

  // --- sessions ---------------------------------------------------------------------------------

  async createSession(session: NewSession, options: { countsAsLogin?: boolean; completeFlow?: FlowCompletion } = {}): Promise<void> {
    await this.db.transaction(async (tx) => {
      if (options.completeFlow) await this.completeFlowIn(tx, options.completeFlow);
      await this.insertSession(tx, session, options.countsAsLogin ?? true);
    });
  }

  /** The compare-and-set of FlowCompletion: the row lock of the UPDATE serializes concurrent completions. */
  private async completeFlowIn(tx: Tx, completion: FlowCompletion): Promise<void> {
    const { id, createdAt: _createdAt, ...fields } = flowToRow({ ...completion.flow, state: 'passed_challenge' });
    const unchanged = completion.expectedUpdatedAt ? eq(selfserviceFlows.updatedAt, completion.expectedUpdatedAt) : ne(selfserviceFlows.state, 'passed_challenge');
    const result = await tx
      .update(selfserviceFlows)
      .set(fields)
      .where(and(eq(selfserviceFlows.id, id), unchanged));
    if (rowsAffected(result) === 0) throw new FlowAlreadyCompletedError();
  }

  private async insertSession(tx: Tx, session: NewSession, countsAsLogin: boolean): Promise<void> {
    await tx.insert(sessions).values(sessionToRow(session));
    if (countsAsLogin) {
      await tx
        .update(identities)
        .set({ loginsCount: sql`${identities.loginsCount} + 1`, lastLoginAt: session.authenticatedAt })
        .where(eq(identities.id, session.identityId));
    }
  }

  async findSessionByTokenHash(tokenHash: string): Promise<SessionWithIdentity | null> {
    if (hasNulCharacter(tokenHash)) return null;
    return this.sessionLookup.find(tokenHash);
  }

  async findSessionByLogoutTokenHash(logoutTokenHash: string): Promise<Session | null> {
    if (hasNulCharacter(logoutTokenHash)) return null;
    const [row] = await this.db.select().from(sessions).where(eq(sessions.logoutTokenHash, logoutTokenHash));
    return row ? sessionFromRow(row) : null;
  }

  async getSession(id: string): Promise<SessionWithIdentity | null> {
    if (hasNulCharacter(id)) return null;
    const [row] = await this.db
      .select({ session: sessions, identity: identities })
      .from(sessions)
      .innerJoin(identities, eq(identities.id, sessions.identityId))
      .where(eq(sessions.id, id));
    return row ? sessionWithIdentityFromRows(row) : null;
  }

  async listSessions(query: SessionPageQuery): Promise<Array<Session | SessionWithIdentity>> {
    if (hasNulCharacter(query.after?.id, query.identityId)) return [];
    const conditions = this.sessionFilters(query);
    if (query.after) {
      // Newest first, as Kratos lists sessions: the cursor is the (created_at, id) of the last row served.
      const at = query.after.createdAt;
      conditions.push(or(lt(sessions.createdAt, at), and(eq(sessions.createdAt, at), gt(sessions.id, query.after.id))) as SQL);
    }
    const rows = await this.db
      .select({ session: sessions, identity: identities })
      .from(sessions)
      .innerJoin(identities, eq(identities.id, sessions.identityId))
      .where(conditions.length ? and(...conditions) : undefined)
      .orderBy(desc(sessions.createdAt), asc(sessions.id))
      .limit(query.pageSize)
      .offset(query.offset ?? 0);
    return rows.map((row) => (query.withIdentity ? sessionWithIdentityFromRows(row) : sessionFromRow(row.session)));
  }

  async countSessions(query: SessionCountQuery): Promise<number> {
    if (hasNulCharacter(query.identityId)) return 0;
    const conditions = this.sessionFilters(query);
    const [row] = await this.db
      .select({ n: count() })
      .from(sessions)
      .innerJoin(identities, eq(identities.id, sessions.identityId))
      .where(conditions.length ? and(...conditions) : undefined);
    return row?.n ?? 0;
  }

  private sessionFilters(query: SessionCountQuery): SQL[] {
    const conditions: SQL[] = [];
    if (query.identityId) conditions.push(eq(sessions.identityId, query.identityId));
    if (query.active !== undefined) {
      // Usable: active, unexpired and its identity active (all columns are NOT NULL, so the negation is plain).
      const now = new Date();
      conditions.push(
        (query.active
          ? and(eq(sessions.active, true), gt(sessions.expiresAt, now), eq(identities.state, 'active'))
          : or(eq(sessions.active, false), lte(sessions.expiresAt, now), ne(identities.state, 'active'))) as SQL,
      );
    }
    return conditions;
  }

  async revokeSession(id: string): Promise<boolean> {
    if (hasNulCharacter(id)) return false;
    return rowsAffected(await this.db.update(sessions).set({ active: false, updatedAt: new Date() }).where(eq(sessions.id, id))) > 0;
  }

  async deleteIdentitySessions(identityId: string): Promise<number> {
    if (hasNulCharacter(identityId)) return 0;
    return rowsAffected(await this.db.delete(sessions).where(eq(sessions.identityId, identityId)));
  }

  async extendSession(id: string, expiresAt: Date): Promise<boolean> {
    if (hasNulCharacter(id)) return false;
    return rowsAffected(await this.db.update(sessions).set({ expiresAt, updatedAt: new Date() }).where(eq(sessions.id, id))) > 0;
  }

  // --- flows ------------------------------------------------------------------------------------

  async createFlow(flow: Flow): Promise<void> {
    await this.db.insert(selfserviceFlows).values(flowToRow(flow));
  }

  async getFlow(id: string): Promise<Flow | null> {
    if (hasNulCharacter(id)) return null;
    const [row] = await this.db.select().from(selfserviceFlows).where(eq(selfserviceFlows.id, id));
    return row ? flowFromRow(row) : null;
  }

  async updateFlow(flow: Flow): Promise<void> {
    const { id: _id, createdAt: _createdAt, ...fields } = flowToRow(flow);
    const notReopening = flow.state === 'passed_challenge' ? undefined : ne(selfserviceFlows.state, 'passed_challenge');
    await this.db.update(selfserviceFlows).set(fields).where(and(eq(selfserviceFlows.id, flow.id), notReopening));
  }

  async completeFlow(completion: FlowCompletion): Promise<void> {
    await this.db.transaction((tx) => this.completeFlowIn(tx, completion));
  }

  async updateFlowIfUnchanged(flow: Flow, expectedUpdatedAt: Date): Promise<boolean> {
    const { id, createdAt: _createdAt, ...fields } = flowToRow(flow);
    // The UPDATE's row lock makes concurrent ones wait; each then re-checks the condition on the committed row.
    return rowsAffected(await this.db.update(selfserviceFlows).set(fields).where(and(eq(selfserviceFlows.id, id), eq(selfserviceFlows.updatedAt, expectedUpdatedAt)))) > 0;
  }

  // --- rate limiting ----------------------------------------------------------------------------

  async hitRateLimit(key: string, windowMs: number, now: Date): Promise<number> {
    const nowMs = now.getTime();
    const bucketStart = bucketStartOf(nowMs, windowMs);
    const previousStart = bucketStart - windowMs;
    // One statement, so one round trip and no transaction: the upsert is atomic (concurrent hits from any
    // instance queue on the bucket's row and each sees its own increment), the previous bucket is read from
    // the same snapshot, and buckets older than the window are pruned on the way.
    const { rows } = await this.db.execute<{ current: number; previous: number }>(sql`
      with current_bucket as (
        insert into ${rateLimitBuckets} as bucket (key, bucket_start, count) values (${key}, ${bucketStart}, 1)
        on conflict (key, bucket_start) do update set count = bucket.count + 1
        returning bucket.count
      ), pruned as (
        delete from ${rateLimitBuckets} where key = ${key} and bucket_start < ${previousStart}
      )
      select (select count from current_bucket) as current,
        coalesce((select count from ${rateLimitBuckets} where key = ${key} and bucket_start = ${previousStart}), 0) as previous`);
    const counts = rows[0];
    if (!counts) throw new Error('the rate-limit upsert returned no row');
    return slidingWindowCount(counts.previous, counts.current, (nowMs - bucketStart) / windowMs);
  }

  async countRateLimit(key: string, windowMs: number, now: Date): Promise<number> {
    const nowMs = now.getTime();
    const bucketStart = bucketStartOf(nowMs, windowMs);
    const rows = await this.db
      .select({ bucketStart: rateLimitBuckets.bucketStart, count: rateLimitBuckets.count })
      .from(rateLimitBuckets)
      .where(and(eq(rateLimitBuckets.key, key), inArray(rateLimitBuckets.bucketStart, [bucketStart, bucketStart - windowMs])));
    const countAt = (start: number): number => rows.find((row) => Number(row.bucketStart) === start)?.count ?? 0;
    return slidingWindowCount(countAt(bucketStart - windowMs), countAt(bucketStart), (nowMs - bucketStart) / windowMs);
  }

  async refundRateLimit(key: string, windowMs: number, hitAt: Date): Promise<void> {
    const bucketStart = bucketStartOf(hitAt.getTime(), windowMs);
    await this.db
      .update(rateLimitBuckets)
      .set({ count: sql`${rateLimitBuckets.count} - 1` })
      .where(and(eq(rateLimitBuckets.key, key), eq(rateLimitBuckets.bucketStart, bucketStart), gt(rateLimitBuckets.count, 0)));
  }

  // --- expired rows -----------------------------------------------------------------------------

  async deleteExpired(kind: ExpiringKind, before: Date, limit: number): Promise<number> {
    const { table, time, value, indexed } = EXPIRING_COLUMNS[kind];
    const order = indexed ? sql` order by ${time}` : sql``;
    const { rowCount } = await this.db.execute(
      sql`delete from ${table} where ctid = any(array(select ctid from ${table} where ${time} <= ${value(before)}${order} limit ${limit} for update skip locked))`,
    );
    return rowCount ?? 0;
  }
}

/**
 * The table and time column of each kind of expiring row, the time as that column holds it, and whether an index
 * orders the rows by it (oldest first costs nothing then; rate-limit buckets have no such index, their writes are
 * the hot ones, and any expired rows will do). Batches are picked by ctid with FOR UPDATE SKIP LOCKED: the delete
 * is one statement, and instances cleaning up at the same moment take different rows instead of waiting for each
 * other's.
 */
const EXPIRING_COLUMNS: Record<ExpiringKind, { table: PgTable; time: PgColumn; value: (before: Date) => Date | number; indexed: boolean }> = {
  sessions: { table: sessions, time: sessions.expiresAt, value: (before) => before, indexed: true },
  flows: { table: selfserviceFlows, time: selfserviceFlows.expiresAt, value: (before) => before, indexed: true },
  rate_limit_buckets: { table: rateLimitBuckets, time: rateLimitBuckets.bucketStart, value: (before) => before.getTime(), indexed: false },
};

/** Unique violations that mean something to callers, by the constraint that was violated. */
function uniqueViolationOf(error: unknown): Error | null {
  const cause = error instanceof Error && error.cause !== undefined ? error.cause : error;
  if (sqlStateOf(cause) !== '23505') return null;
  switch ((cause as { constraint?: string }).constraint) {
    case 'identities_pkey':
      return new DuplicateIdError();
    case 'identities_external_id_idx':
      return new DuplicateExternalIdError();
    case 'identity_credential_identifiers_type_identifier_pk':
      return new DuplicateCredentialIdentifierError();
    default:
      return null;
  }
}

/** The first wanted identifier that the insert skipped (counting duplicates within `wanted` itself). */
function firstNotInserted(wanted: Array<{ type: string; identifier: string }>, inserted: Array<{ type: string; identifier: string }>): string | undefined {
  const remaining = new Map<string, number>();
  for (const row of inserted) remaining.set(`${row.type}\u0000${row.identifier}`, (remaining.get(`${row.type}\u0000${row.identifier}`) ?? 0) + 1);
  for (const row of wanted) {
    const key = `${row.type}\u0000${row.identifier}`;
    const left = remaining.get(key) ?? 0;
    if (left === 0) return row.identifier;
    remaining.set(key, left - 1);
  }
  return undefined;
}

function rowsAffected(result: { rowCount: number | null }): number {
  return result.rowCount ?? 0;
}
