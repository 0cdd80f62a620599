// test-stores: postgres
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import pg from 'pg';
import { MIGRATION_LOCK_NAME, MIGRATIONS_TABLE } from '../../src/store/postgres/migrate-under-lock.js';
import { openStore } from '../../src/store/open-store.js';
import { runCli } from '../helpers/cli.js';
import { ensureCluster, TEST_ROLE } from '../helpers/postgres-cluster.js';
import { anIdentity } from '../helpers/store-fixtures.js';

const JOURNAL = JSON.parse(readFileSync(new URL('../../migrations/postgres/meta/_journal.json', import.meta.url), 'utf8')) as { entries: unknown[] };
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
});
