import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';

const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../../migrations/postgres', import.meta.url));

/**
 * The session-level advisory lock every instance takes before migrating, so that N instances starting together
 * migrate exactly once: the first applies the pending migrations, the others wait, then find nothing to do.
 * The key is a hash of a name, so that it does not collide with locks other software on the database takes.
 */
export const MIGRATION_LOCK_NAME = 'tessera migrations';

/**
 * The history table, in the schema Tessera's tables are created in (the connection's current schema), named so
 * that it cannot be mistaken for another drizzle application's `__drizzle_migrations` in the same database.
 */
export const MIGRATIONS_TABLE = 'tessera_migrations';

/**
 * Applies pending migrations on one dedicated connection that holds the advisory lock. It is not taken from the
 * request pool (a pool of one would deadlock), and it has no statement timeout: waiting for another instance's
 * migration, or a long index build, must not be cut short. Closing the connection releases the lock even when
 * a migration fails or the process dies.
 */
export async function migrateUnderAdvisoryLock(config: pg.ClientConfig): Promise<void> {
  const client = new pg.Client({ ...config, statement_timeout: undefined, query_timeout: undefined, idle_in_transaction_session_timeout: undefined });
  // A connection lost while idle is reported as an 'error' event; the pending query rejects with it anyway.
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query('select pg_advisory_lock(hashtext($1))', [MIGRATION_LOCK_NAME]);
    const { rows } = await client.query<{ schema: string | null }>('select current_schema() as schema');
    await migrate(drizzle({ client }), {
      migrationsFolder: MIGRATIONS_FOLDER,
      migrationsSchema: rows[0]?.schema ?? 'public',
      migrationsTable: MIGRATIONS_TABLE,
    });
  } finally {
    await client.end();
  }
}
