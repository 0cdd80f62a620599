import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { readMigrationFiles, type MigrationMeta } from 'drizzle-orm/migrator';
import pg from 'pg';
import { TesseraError } from '../../errors/tessera-error.js';

const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../../migrations/postgres', import.meta.url));

/**
 * The session-level advisory lock every instance takes before migrating, so that N instances starting together
 * migrate exactly once: the first applies the pending migrations, the others wait, then find nothing to do.
 * The key is a hash of a name, so that it does not collide with locks other software on the database takes.
 */
export const MIGRATION_LOCK_NAME = 'tessera migrations';

/**
 * The history table. Its rows are drizzle's (`id, hash, created_at` = the journal's `when`), but it is named so
 * that it cannot be mistaken for another drizzle application's `__drizzle_migrations`, and it lives unqualified
 * in the connection's current schema, next to Tessera's tables.
 */
export const MIGRATIONS_TABLE = 'tessera_migrations';

/**
 * The first line of a migration that must run outside a transaction: `CREATE INDEX CONCURRENTLY` cannot run in
 * one, and it is how an index is added to a table that instances still serving keep writing (a plain CREATE INDEX
 * blocks every write to the table until the index is built).
 */
export const NO_TRANSACTION_MARKER = '-- tessera:no-transaction';

/** How the migration connection shows up in pg_stat_activity, so that whoever waits for its lock can name it. */
export const MIGRATION_APPLICATION_NAME = `tessera migrate (${hostname()} pid ${process.pid})`;

export const DEFAULT_MIGRATION_LOCK_TIMEOUT_MS = 10 * 60_000;

export interface MigrateOptions {
  /** How long to wait for another session's migration lock before giving up (`tessera.database.migration_lock_timeout`). */
  lockTimeoutMs?: number;
  /** The drizzle-kit migrations folder; tests point it at a subset of the real one. */
  migrationsFolder?: string;
}

/** The migration lock stayed taken for longer than `tessera.database.migration_lock_timeout`. */
export class MigrationLockTimeoutError extends TesseraError {
  static override readonly code = 'ERR_STORE_MIGRATION_LOCK_TIMEOUT';
  override readonly code = MigrationLockTimeoutError.code;
}

/**
 * Applies the drizzle-kit migrations in migrations/postgres that are newer than the last one recorded, on one
 * dedicated connection that holds the advisory lock. Consecutive ordinary migrations run in one transaction; a
 * migration that starts with NO_TRANSACTION_MARKER runs statement by statement on its own, and is recorded once
 * all its statements succeeded (they are written to be run again: `IF NOT EXISTS`).
 *
 * Applied migrations are recognised by the journal's `when`, never by their hash, as drizzle's own migrator
 * does: a migration whose text changed after some deployments applied it (0001 became CONCURRENTLY) is not run
 * again there, and the hash they recorded stays as it was.
 *
 * Why not drizzle's own `migrate()`: it first runs `CREATE SCHEMA IF NOT EXISTS`, which PostgreSQL refuses to a
 * role without CREATE on the database even when the schema exists, and a least-privileged role that owns only
 * its schema (`?options=-c search_path=tessera`, next to PostgREST's schemas) is how Tessera should be deployed.
 *
 * The connection is not taken from the request pool (a pool of one would deadlock), and it has no statement
 * timeout: a long index build must not be cut short. Closing the connection releases the lock even when a
 * migration fails; a process that dies releases it too.
 */
export async function migrateUnderAdvisoryLock(config: pg.ClientConfig, options: MigrateOptions = {}): Promise<void> {
  const migrations = readMigrationFiles({ migrationsFolder: options.migrationsFolder ?? MIGRATIONS_FOLDER });
  const client = new pg.Client({
    ...config,
    application_name: MIGRATION_APPLICATION_NAME,
    statement_timeout: undefined,
    query_timeout: undefined,
    idle_in_transaction_session_timeout: undefined,
  });
  // A connection lost while idle is reported as an 'error' event; the pending query rejects with it anyway.
  client.on('error', () => undefined);
  await client.connect();
  try {
    await takeLock(client, options.lockTimeoutMs ?? DEFAULT_MIGRATION_LOCK_TIMEOUT_MS);
    await client.query(`create table if not exists ${MIGRATIONS_TABLE} (id serial primary key, hash text not null, created_at bigint)`);
    const { rows } = await client.query<{ created_at: string }>(`select created_at from ${MIGRATIONS_TABLE} order by created_at desc limit 1`);
    const lastApplied = rows[0] ? Number(rows[0].created_at) : -1;
    const pending = migrations.filter((migration) => migration.folderMillis > lastApplied);
    for (const batch of inTransactionBatches(pending)) {
      if (batch.outsideTransaction) await applyOutsideTransaction(client, batch.migrations[0] as MigrationMeta);
      else await applyInTransaction(client, batch.migrations);
    }
  } finally {
    await client.end();
  }
}

/**
 * Waits for the lock by trying it again and again rather than with a blocking `pg_advisory_lock`: a session
 * blocked in that call holds a snapshot the whole time, and `CREATE INDEX CONCURRENTLY` in the session holding the
 * lock waits for every older snapshot to go away, so the two would wait for each other (PostgreSQL would break the
 * cycle by failing one of them). Between two tries this session holds nothing.
 */
async function takeLock(client: pg.Client, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let delayMs = 50; ; delayMs = Math.min(delayMs * 2, 1_000)) {
    const { rows } = await client.query<{ locked: boolean }>('select pg_try_advisory_lock(hashtext($1)) as locked', [MIGRATION_LOCK_NAME]);
    if (rows[0]?.locked) return;
    if (Date.now() >= deadline) throw new MigrationLockTimeoutError(await lockTimeoutMessage(client, timeoutMs));
    await sleep(Math.min(delayMs, Math.max(0, deadline - Date.now())));
  }
}

/** Names whoever holds the lock, as far as pg_stat_activity shows it to this role. */
async function lockTimeoutMessage(client: pg.Client, timeoutMs: number): Promise<string> {
  const { rows } = await client.query<{ pid: number; application_name: string | null; usename: string | null; client_addr: string | null; state: string | null; backend_start: Date | null }>(
    `select a.pid, a.application_name, a.usename, host(a.client_addr) as client_addr, a.state, a.backend_start
       from pg_locks l join pg_stat_activity a on a.pid = l.pid
      where l.locktype = 'advisory' and l.granted and l.database = (select oid from pg_database where datname = current_database())
        and ((l.classid::bigint << 32) | l.objid::bigint) = hashtext($1)::bigint`,
    [MIGRATION_LOCK_NAME],
  );
  const waited = `waited ${formatMs(timeoutMs)} (tessera.database.migration_lock_timeout) for the PostgreSQL migration lock "${MIGRATION_LOCK_NAME}"`;
  const holder = rows[0];
  if (!holder) return `${waited}, which another session held (it has been released since; try again)`;
  const facts = [
    holder.application_name ? `application "${holder.application_name}"` : null,
    holder.usename ? `user ${holder.usename}` : null,
    holder.client_addr ? `from ${holder.client_addr}` : null,
    holder.backend_start ? `connected since ${holder.backend_start.toISOString()}` : null,
    holder.state ? `now ${holder.state}` : null,
  ].filter((fact): fact is string => fact !== null);
  return `${waited}; it is held by PostgreSQL backend pid ${holder.pid}${facts.length > 0 ? ` (${facts.join(', ')})` : ''}. If that is another instance migrating, let it finish; otherwise end it with select pg_terminate_backend(${holder.pid})`;
}

/** Ordinary migrations grouped to share a transaction; a no-transaction migration is a batch of its own. */
function inTransactionBatches(pending: MigrationMeta[]): Array<{ outsideTransaction: boolean; migrations: MigrationMeta[] }> {
  const batches: Array<{ outsideTransaction: boolean; migrations: MigrationMeta[] }> = [];
  for (const migration of pending) {
    const outsideTransaction = runsOutsideTransaction(migration);
    const last = batches[batches.length - 1];
    if (last && !last.outsideTransaction && !outsideTransaction) last.migrations.push(migration);
    else batches.push({ outsideTransaction, migrations: [migration] });
  }
  return batches;
}

export function runsOutsideTransaction(migration: MigrationMeta): boolean {
  return (migration.sql[0] ?? '').trimStart().startsWith(NO_TRANSACTION_MARKER);
}

async function applyInTransaction(client: pg.Client, migrations: MigrationMeta[]): Promise<void> {
  await client.query('begin');
  try {
    for (const migration of migrations) {
      for (const statement of migration.sql) if (statement.trim() !== '') await client.query(statement);
      await record(client, migration);
    }
    await client.query('commit');
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  }
}

/**
 * A concurrent index build that failed or was interrupted (the process died, the connection was cut) leaves an
 * INVALID index behind, which `CREATE INDEX CONCURRENTLY IF NOT EXISTS` would take for done. So the indexes the
 * migration builds are dropped first when they exist but are invalid (PostgreSQL's advice for a failed build).
 */
async function applyOutsideTransaction(client: pg.Client, migration: MigrationMeta): Promise<void> {
  for (const index of concurrentlyBuiltIndexes(migration)) {
    const { rows } = await client.query<{ valid: boolean }>(
      `select i.indisvalid as valid from pg_index i join pg_class c on c.oid = i.indexrelid
        where c.relname = $1 and c.relnamespace = (select oid from pg_namespace where nspname = current_schema())`,
      [index],
    );
    if (rows[0] && !rows[0].valid) await client.query(`drop index concurrently if exists ${pg.escapeIdentifier(index)}`);
  }
  for (const statement of migration.sql) if (statement.trim() !== '') await client.query(statement);
  await record(client, migration);
}

function concurrentlyBuiltIndexes(migration: MigrationMeta): string[] {
  const pattern = /create\s+(?:unique\s+)?index\s+concurrently\s+(?:if\s+not\s+exists\s+)?"([^"]+)"/gi;
  return migration.sql.flatMap((statement) => [...statement.matchAll(pattern)].map((match) => match[1] as string));
}

async function record(client: pg.Client, migration: MigrationMeta): Promise<void> {
  await client.query(`insert into ${MIGRATIONS_TABLE} (hash, created_at) values ($1, $2)`, [migration.hash, migration.folderMillis]);
}

function formatMs(ms: number): string {
  return ms % 60_000 === 0 && ms > 0 ? `${ms / 60_000}m` : ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
