import { fileURLToPath } from 'node:url';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import pg from 'pg';

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
 * Applies the drizzle-kit migrations in migrations/postgres that are newer than the last one recorded, in one
 * transaction, on one dedicated connection that holds the advisory lock.
 *
 * Why not drizzle's own `migrate()`: it first runs `CREATE SCHEMA IF NOT EXISTS`, which PostgreSQL refuses to a
 * role without CREATE on the database even when the schema exists, and a least-privileged role that owns only
 * its schema (`?options=-c search_path=tessera`, next to PostgREST's schemas) is how Tessera should be deployed.
 *
 * The connection is not taken from the request pool (a pool of one would deadlock), and it has no statement
 * timeout: waiting for another instance's migration, or a long index build, must not be cut short. Closing the
 * connection releases the lock even when a migration fails; a process that dies releases it too.
 */
export async function migrateUnderAdvisoryLock(config: pg.ClientConfig): Promise<void> {
  const migrations = readMigrationFiles({ migrationsFolder: MIGRATIONS_FOLDER });
  const client = new pg.Client({ ...config, statement_timeout: undefined, query_timeout: undefined, idle_in_transaction_session_timeout: undefined });
  // A connection lost while idle is reported as an 'error' event; the pending query rejects with it anyway.
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query('select pg_advisory_lock(hashtext($1))', [MIGRATION_LOCK_NAME]);
    await client.query(`create table if not exists ${MIGRATIONS_TABLE} (id serial primary key, hash text not null, created_at bigint)`);
    const { rows } = await client.query<{ created_at: string }>(`select created_at from ${MIGRATIONS_TABLE} order by created_at desc limit 1`);
    const lastApplied = rows[0] ? Number(rows[0].created_at) : -1;
    const pending = migrations.filter((migration) => migration.folderMillis > lastApplied);
    if (pending.length === 0) return;
    await client.query('begin');
    try {
      for (const migration of pending) {
        for (const statement of migration.sql) if (statement.trim() !== '') await client.query(statement);
        await client.query(`insert into ${MIGRATIONS_TABLE} (hash, created_at) values ($1, $2)`, [migration.hash, migration.folderMillis]);
      }
      await client.query('commit');
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw error;
    }
  } finally {
    await client.end();
  }
}
