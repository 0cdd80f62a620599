// test-stores: postgres
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import pg from 'pg';
import { KratosError } from '../../src/errors/kratos-error.js';
import { DatabaseUnavailableError } from '../../src/store/errors.js';
import { openStore } from '../../src/store/open-store.js';
import { testConfig } from '../helpers/config.js';
import { jsonOf, registerViaApi } from '../helpers/http.js';
import { ensureCluster, TEST_PASSWORD } from '../helpers/postgres-cluster.js';
import { startTestServer } from '../helpers/server.js';
import { anIdentity, aSession } from '../helpers/store-fixtures.js';

/** A port on which nothing listens (the OS just handed it out and it was closed again). */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 1));
    });
  });
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail('expected a rejection');
}

describe('PostgreSQL failures as callers see them', () => {
  const cluster = ensureCluster();

  it('reports an unreachable database as DatabaseUnavailableError, naming neither address nor password', async () => {
    const port = await closedPort();
    const store = await openStore(`postgres://tessera_test:${TEST_PASSWORD}@127.0.0.1:${port}/nowhere?sslmode=disable`);
    try {
      for (const attempt of [() => store.ping(), () => store.findSessionByTokenHash('x'), () => store.createIdentity(anIdentity()), () => store.migrate()]) {
        const error = await rejection(attempt());
        assert.ok(error instanceof DatabaseUnavailableError, String(error));
        assert.match(error.message, /^the database is unavailable: /);
        assert.doesNotMatch(error.message, new RegExp(`${port}|${TEST_PASSWORD}|127\\.0\\.0\\.1`));
      }
    } finally {
      await store.close();
    }
  });

  it('cancels a statement at the statement timeout, as DatabaseUnavailableError, and then works again', async () => {
    const database = cluster.createDatabase();
    const store = await openStore(cluster.dsn(database), { statementTimeoutMs: 300 });
    const locker = new pg.Client({ connectionString: cluster.dsn(database) });
    await locker.connect();
    try {
      await store.migrate();
      const identity = anIdentity();
      const session = aSession(identity.id);
      await store.createIdentity(identity, { session });
      await locker.query('begin');
      await locker.query('lock table sessions in access exclusive mode');
      const error = await rejection(store.findSessionByTokenHash(session.tokenHash));
      assert.ok(error instanceof DatabaseUnavailableError, String(error));
      assert.match(error.message, /statement timeout/);
      await locker.query('rollback');
      assert.equal((await store.findSessionByTokenHash(session.tokenHash))?.id, session.id);
    } finally {
      await locker.end();
      await store.close();
    }
  });

  it('answers a request that meets a statement timeout with a Kratos 503, while /health/ready stays up', async () => {
    const config = testConfig({ dsn: cluster.dsn(cluster.createDatabase()), tessera: { database: { statement_timeout: '300ms' } } });
    const server = await startTestServer(config);
    const locker = new pg.Client({ connectionString: config.dsn });
    await locker.connect();
    try {
      const registered = await registerViaApi(server.publicUrl, 'timeout@example.org', 'timeout passphrase 5');
      assert.equal(registered.status, 200);
      await locker.query('begin');
      await locker.query('lock table sessions in access exclusive mode');
      const whoami = await fetch(`${server.publicUrl}/sessions/whoami`, { headers: { 'x-session-token': String(registered.body.session_token), 'x-request-id': 'req-503' } });
      assert.equal(whoami.status, 503);
      assert.deepEqual(await jsonOf(whoami), {
        error: { code: 503, status: 'Service Unavailable', request: 'req-503', reason: 'The database is unavailable. Please retry later.', message: 'The service is unavailable' },
      });
      assert.equal((await fetch(`${server.publicUrl}/health/ready`)).status, 200);
      await locker.query('rollback');
      assert.equal((await fetch(`${server.publicUrl}/sessions/whoami`, { headers: { 'x-session-token': String(registered.body.session_token) } })).status, 200);
    } finally {
      await locker.end();
      await server.close();
    }
  });

  it('survives its connections being killed, idle or in the middle of a transaction, and rolls that transaction back', async () => {
    const database = cluster.createDatabase();
    const store = await openStore(cluster.dsn(database));
    const locker = new pg.Client({ connectionString: cluster.dsn(database) });
    await locker.connect();
    const tesseraBackends = (where: string): string[] =>
      cluster.psql(`select pid from pg_stat_activity where datname = '${database}' and application_name = 'tessera' and ${where}`).split('\n').filter(Boolean);
    try {
      await store.migrate();
      await store.ping();
      // Idle pooled connections killed (as by a failover or an idle timeout on the server).
      for (const pid of tesseraBackends('true')) cluster.psql(`select pg_terminate_backend(${pid})`);
      const deadline = Date.now() + 15_000;
      // Waiting (not busy-polling) lets the pool read the server's goodbye and drop those connections.
      do await new Promise((resolve) => setTimeout(resolve, 100));
      while (tesseraBackends('true').length > 0 && Date.now() < deadline);
      await store.ping();

      // A connection killed while its transaction waits: the identity row is written, the credential is not yet.
      await locker.query('begin');
      await locker.query('lock table identity_credentials in access exclusive mode');
      const identity = anIdentity();
      const creating = rejection(store.createIdentity(identity));
      while (tesseraBackends("wait_event_type = 'Lock'").length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      for (const pid of tesseraBackends("wait_event_type = 'Lock'")) cluster.psql(`select pg_terminate_backend(${pid})`);
      const error = await creating;
      assert.ok(error instanceof DatabaseUnavailableError, String(error));
      await locker.query('rollback');
      assert.equal(await store.getIdentity(identity.id), null, 'the half-done transaction was rolled back');
      await store.createIdentity(identity);
      assert.equal((await store.getIdentity(identity.id))?.id, identity.id);
    } finally {
      await locker.end();
      await store.close();
    }
  });

  it('never opens more connections than max_conns in the DSN', async () => {
    const database = cluster.createDatabase();
    const store = await openStore(cluster.dsn(database, { sslmode: 'disable', max_conns: '2' }), { maxConnections: 50, statementTimeoutMs: 30_000 });
    const locker = new pg.Client({ connectionString: cluster.dsn(database) });
    await locker.connect();
    try {
      await store.migrate();
      await locker.query('begin');
      await locker.query('lock table sessions in access exclusive mode');
      // One lookup per event-loop turn: lookups of one turn share a query (session-lookup.ts), these cannot.
      const lookups: Array<Promise<unknown>> = [];
      for (let i = 0; i < 6; i++) {
        lookups.push(store.findSessionByTokenHash(`blocked-${i}`));
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const waiting = Promise.all(lookups);
      const connections = (): number => Number(cluster.psql(`select count(*) from pg_stat_activity where datname = '${database}' and application_name = 'tessera'`));
      const deadline = Date.now() + 20_000;
      while (connections() < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(connections(), 2);
      await locker.query('rollback');
      assert.deepEqual(await waiting, [null, null, null, null, null, null]);
    } finally {
      await locker.end();
      await store.close();
    }
  });

  it('refuses text PostgreSQL cannot store with a 400, writing nothing', async () => {
    const store = await openStore(cluster.dsn(cluster.createDatabase()));
    try {
      await store.migrate();
      for (const name of ['nul \u0000 inside', 'lone \ud800 surrogate']) {
        const identity = anIdentity({ traits: { email: 'x@example.org', name } });
        const error = await rejection(store.createIdentity(identity));
        assert.ok(error instanceof KratosError && error.code === 400, String(error));
        assert.equal(await store.getIdentity(identity.id), null);
      }
    } finally {
      await store.close();
    }
  });
});
