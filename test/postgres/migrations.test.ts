// test-stores: postgres
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import pg from 'pg';
import {
  MIGRATION_APPLICATION_NAME,
  MIGRATION_LOCK_NAME,
  MIGRATIONS_TABLE,
  MigrationLockTimeoutError,
  migrateUnderAdvisoryLock,
  runsOutsideTransaction,
} from '../../src/store/postgres/migrate-under-lock.js';
import { openStore } from '../../src/store/open-store.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/config.js';
import { ensureCluster, TEST_ROLE } from '../helpers/postgres-cluster.js';
import { anIdentity, aSession } from '../helpers/store-fixtures.js';

const FOLDER = 'migrations/postgres';
const JOURNAL = JSON.parse(readFileSync(join(FOLDER, 'meta/_journal.json'), 'utf8')) as { entries: Array<{ tag: string }> };

/**
 * A migrations folder holding the first `count` migrations of the real one, as an earlier version shipped them;
 * `replace` swaps the text of some (by tag), as that version had it.
 */
function earlierFolder(count: number, replace: Record<string, string> = {}): string {
  const dir = tempDir();
  mkdirSync(join(dir, 'meta'));
  const entries = JOURNAL.entries.slice(0, count);
  writeFileSync(join(dir, 'meta/_journal.json'), JSON.stringify({ ...JOURNAL, entries }));
  for (const { tag } of entries) {
    if (replace[tag] !== undefined) writeFileSync(join(dir, `${tag}.sql`), replace[tag]);
    else copyFileSync(join(FOLDER, `${tag}.sql`), join(dir, `${tag}.sql`));
  }
  return dir;
}

/** What 0001 was before it was built CONCURRENTLY. */
const PLAIN_0001 = 'CREATE INDEX "sessions_created_at_idx" ON "sessions" USING btree ("created_at","id");';
const TABLES = ['identities', 'identity_credential_identifiers', 'identity_credentials', 'rate_limit_buckets', 'selfservice_flows', 'sessions'];

describe('PostgreSQL migrations', () => {
  const cluster = ensureCluster();
  const tablesIn = (database: string, schema = 'public'): string[] =>
    cluster.psql(`select tablename from pg_tables where schemaname = '${schema}' order by 1`, database).split('\n').filter(Boolean);
  const appliedIn = (database: string): number => Number(cluster.psql(`select count(*) from ${MIGRATIONS_TABLE}`, database));

  it('applies every migration exactly once when several instances migrate one database together', async () => {
    const database = cluster.createDatabase();
    const stores = await Promise.all(Array.from({ length: 4 }, () => openStore(cluster.dsn(database))));
    try {
      await Promise.all(stores.map((store) => store.migrate()));
      assert.equal(appliedIn(database), JOURNAL.entries.length);
      assert.deepEqual(tablesIn(database), [...TABLES, MIGRATIONS_TABLE].sort());
      await Promise.all(stores.map((store) => store.migrate()));
      assert.equal(appliedIn(database), JOURNAL.entries.length);
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  });

  it('waits for the advisory lock held by another instance before migrating', async () => {
    const database = cluster.createDatabase();
    const holder = new pg.Client({ connectionString: cluster.dsn(database) });
    await holder.connect();
    const store = await openStore(cluster.dsn(database));
    try {
      await holder.query('select pg_advisory_lock(hashtext($1))', [MIGRATION_LOCK_NAME]);
      let finished = false;
      const migrating = store.migrate().then(() => (finished = true));
      await new Promise((resolve) => setTimeout(resolve, 750));
      assert.equal(finished, false, 'migrate() must wait while another session holds the lock');
      assert.deepEqual(tablesIn(database), []);
      await holder.query('select pg_advisory_unlock(hashtext($1))', [MIGRATION_LOCK_NAME]);
      await migrating;
      assert.equal(appliedIn(database), JOURNAL.entries.length);
    } finally {
      await holder.end();
      await store.close();
    }
  });

  it('is applied by `tessera migrate`', () => {
    const database = cluster.createDatabase();
    const result = runCli(['migrate'], { env: { DSN: cluster.dsn(database) } });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /migrations applied \(postgres\)/);
    assert.equal(appliedIn(database), JOURNAL.entries.length);
    assert.deepEqual(tablesIn(database), [...TABLES, MIGRATIONS_TABLE].sort());
  });

  it('runs as a role that owns only its schema, chosen with search_path in the DSN', async () => {
    const database = cluster.createDatabase();
    // The least-privileged deployment next to PostgREST: no CREATE on the database, one schema of its own.
    cluster.psql(`revoke create on database ${database} from public; revoke all on schema public from public; create schema tessera authorization ${TEST_ROLE}`, database);
    cluster.psql(`alter database ${database} owner to postgres`);
    const store = await openStore(cluster.dsn(database, { sslmode: 'disable', options: '-c search_path=tessera' }));
    try {
      await store.migrate();
      const identity = anIdentity();
      await store.createIdentity(identity);
      assert.equal((await store.getIdentity(identity.id))?.id, identity.id);
      assert.deepEqual(tablesIn(database, 'tessera'), [...TABLES, MIGRATIONS_TABLE].sort());
      assert.deepEqual(tablesIn(database, 'public'), []);
    } finally {
      await store.close();
    }
  });

  /** Index name -> whether it is valid, for the indexes of `table`. */
  const indexesOf = (database: string, table: string): Record<string, boolean> =>
    Object.fromEntries(
      cluster
        .psql(`select c.relname || '=' || i.indisvalid from pg_index i join pg_class c on c.oid = i.indexrelid join pg_class t on t.oid = i.indrelid where t.relname = '${table}' order by 1`, database)
        .split('\n')
        .filter(Boolean)
        .map((line) => [line.split('=')[0] as string, line.endsWith('=true')]),
    );
  const dsnOf = (database: string): string => cluster.dsn(database);

  it('builds the session indexes without blocking the writes of instances still serving', async () => {
    const database = cluster.createDatabase();
    await migrateUnderAdvisoryLock({ connectionString: dsnOf(database) }, { migrationsFolder: earlierFolder(1) });
    const identity = anIdentity();
    const store = await openStore(dsnOf(database));
    await store.createIdentity(identity);
    // An instance in the middle of a write to sessions: every index build has to wait for it.
    const busy = new pg.Client({ connectionString: dsnOf(database) });
    const writer = new pg.Client({ connectionString: dsnOf(database) });
    await busy.connect();
    await writer.connect();
    try {
      await busy.query('begin');
      await busy.query(
        `insert into sessions (id, token_hash, logout_token_hash, identity_id, active, expires_at, authenticated_at, issued_at, aal, authentication_methods, devices, created_at, updated_at)
         values (gen_random_uuid()::text, 'busy-token', 'busy-logout', $1, true, now() + interval '1 hour', now(), now(), 'aal1', '[]', '[]', now(), now())`,
        [identity.id],
      );
      const migrating = migrateUnderAdvisoryLock({ connectionString: dsnOf(database) });
      // Wait until the migration is stuck behind the open write.
      const deadline = Date.now() + 30_000;
      while (Number(cluster.psql(`select count(*) from pg_stat_activity where application_name = '${MIGRATION_APPLICATION_NAME}' and wait_event_type = 'Lock'`, database)) === 0) {
        assert.ok(Date.now() < deadline, 'the migration never started waiting for the open transaction');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      // A plain CREATE INDEX would queue for a lock that every new write then queues behind.
      await writer.query("set lock_timeout = '3s'");
      await writer.query(
        `insert into sessions (id, token_hash, logout_token_hash, identity_id, active, expires_at, authenticated_at, issued_at, aal, authentication_methods, devices, created_at, updated_at)
         values (gen_random_uuid()::text, 'other-token', 'other-logout', $1, true, now() + interval '1 hour', now(), now(), 'aal1', '[]', '[]', now(), now())`,
        [identity.id],
      );
      await busy.query('commit');
      await migrating;
      assert.deepEqual(
        Object.entries(indexesOf(database, 'sessions')).filter(([name]) => name === 'sessions_created_at_idx' || name === 'sessions_expires_at_idx'),
        [['sessions_created_at_idx', true], ['sessions_expires_at_idx', true]],
      );
      assert.equal(appliedIn(database), JOURNAL.entries.length);
    } finally {
      await busy.end();
      await writer.end();
      await store.close();
    }
  });

  it('knows applied migrations by their journal time: the plain 0001 an earlier version applied is not run again, and its hash is kept', async () => {
    const database = cluster.createDatabase();
    const earlier = earlierFolder(2, { '0001_sessions_created_at_index': PLAIN_0001 });
    await migrateUnderAdvisoryLock({ connectionString: dsnOf(database) }, { migrationsFolder: earlier });
    const recordedBefore = cluster.psql(`select hash from ${MIGRATIONS_TABLE} order by created_at`, database).split('\n');
    const store = await openStore(dsnOf(database));
    try {
      await store.migrate();
      const recordedAfter = cluster.psql(`select hash from ${MIGRATIONS_TABLE} order by created_at`, database).split('\n');
      assert.equal(recordedAfter.length, JOURNAL.entries.length);
      assert.deepEqual(recordedAfter.slice(0, 2), recordedBefore, 'the hashes of applied migrations stay as they were recorded');
      const current = readMigrationFiles({ migrationsFolder: FOLDER });
      assert.notEqual(recordedBefore[1], current[1]?.hash, 'the text of 0001 did change');
      assert.equal(indexesOf(database, 'sessions').sessions_expires_at_idx, true);
      const identity = anIdentity();
      await store.createIdentity(identity, { session: aSession(identity.id) });
    } finally {
      await store.close();
    }
  });

  it('replaces an invalid index left behind by an interrupted concurrent build', async () => {
    const database = cluster.createDatabase();
    await migrateUnderAdvisoryLock({ connectionString: dsnOf(database) }, { migrationsFolder: earlierFolder(2) });
    const store = await openStore(dsnOf(database));
    try {
      const identity = anIdentity();
      await store.createIdentity(identity, { session: aSession(identity.id) });
      await store.createSession(aSession(identity.id));
      // A concurrent build that fails half-way leaves an INVALID index under the name the next migration uses.
      assert.throws(() => cluster.psql('create unique index concurrently sessions_expires_at_idx on sessions (identity_id)', database), /could not create unique index/);
      assert.equal(indexesOf(database, 'sessions').sessions_expires_at_idx, false);
      await store.migrate();
      assert.equal(indexesOf(database, 'sessions').sessions_expires_at_idx, true);
      assert.match(cluster.psql("select pg_get_indexdef('sessions_expires_at_idx'::regclass)", database), /USING btree \(expires_at\)$/);
      assert.equal(appliedIn(database), JOURNAL.entries.length);
    } finally {
      await store.close();
    }
  });

  it('gives up waiting for the lock after tessera.database.migration_lock_timeout, naming the session that holds it', async () => {
    const database = cluster.createDatabase();
    const holder = new pg.Client({ connectionString: dsnOf(database), application_name: 'ops console' });
    await holder.connect();
    const store = await openStore(dsnOf(database), { migrationLockTimeoutMs: 300 });
    try {
      await holder.query('select pg_advisory_lock(hashtext($1))', [MIGRATION_LOCK_NAME]);
      const { rows } = await holder.query<{ pid: number }>('select pg_backend_pid() as pid');
      const pid = rows[0]?.pid;
      const started = Date.now();
      await assert.rejects(store.migrate(), (error: unknown) => {
        assert.ok(error instanceof MigrationLockTimeoutError, String(error));
        assert.match(error.message, /waited 300ms \(tessera\.database\.migration_lock_timeout\) for the PostgreSQL migration lock "tessera migrations"/);
        assert.match(error.message, new RegExp(`held by PostgreSQL backend pid ${pid} \\(application "ops console", user ${TEST_ROLE}, from 127\\.0\\.0\\.1, connected since [0-9T:.-]+Z, now idle\\)`));
        return true;
      });
      assert.ok(Date.now() - started < 10_000);
      assert.deepEqual(tablesIn(database), [], 'nothing was migrated');

      const cli = runCli(['migrate'], { env: { DSN: dsnOf(database), TESSERA_DATABASE_MIGRATION_LOCK_TIMEOUT: '1s' } });
      assert.equal(cli.status, 1);
      assert.equal(cli.stderr.trim().split('\n').length, 1, cli.stderr);
      assert.match(cli.stderr, new RegExp(`^tessera: waited 1s .*held by PostgreSQL backend pid ${pid} \\(application "ops console"`));
    } finally {
      await holder.end();
      await store.close();
    }
  });

  it('builds every index on an existing table CONCURRENTLY, outside the migration transaction', () => {
    const migrations = readMigrationFiles({ migrationsFolder: FOLDER });
    for (const [index, migration] of migrations.entries()) {
      const text = migration.sql.join('\n');
      const created = new Set([...text.matchAll(/create table (?:if not exists )?"([^"]+)"/gi)].map((m) => m[1]));
      for (const match of text.matchAll(/create (unique )?index (concurrently )?(?:if not exists )?"[^"]+" on "([^"]+)"/gi)) {
        if (created.has(match[3])) continue; // a table of the same migration is empty
        const tag = JOURNAL.entries[index]?.tag;
        assert.ok(match[2] && runsOutsideTransaction(migration), `${tag}: an index on the existing table "${match[3]}" must be built CONCURRENTLY in a migration marked -- tessera:no-transaction`);
        assert.match(text, /if not exists/i, `${tag}: a concurrent build is retried after a failure, so it needs IF NOT EXISTS`);
      }
    }
  });
});
