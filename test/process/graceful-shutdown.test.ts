// test-stores: sqlite
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { startServeProcess } from '../helpers/cli.js';
import { tempDir } from '../helpers/config.js';
import { jsonOf } from '../helpers/http.js';
import { holdRequest, probe } from '../helpers/raw-http.js';
import { serveEnv } from '../helpers/serve-env.js';
import { databaseFile, sqliteDsnIn } from '../helpers/sqlite-file.js';

/** Polls until `check` is true; the bound is generous because the machine is shared. */
async function eventually(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail('condition not reached in time');
}

describe('graceful shutdown of `tessera serve`', () => {
  it('on SIGTERM refuses new connections, finishes the in-flight registration, closes the database and exits 0', async () => {
    const dir = tempDir();
    // Real argon2 cost so the in-flight registration does real work after the signal.
    const server = await startServeProcess([], serveEnv(sqliteDsnIn(dir), { HASHERS_ARGON2_MEMORY: '32MB', TESSERA_SHUTDOWN_GRACE_PERIOD: '30s' }));
    const flow = await jsonOf(await fetch(`${server.publicUrl}/self-service/registration/api`));
    const inFlight = holdRequest(
      `${server.publicUrl}/self-service/registration?flow=${String(flow.id)}`,
      JSON.stringify({ method: 'password', password: 'in flight passphrase 1', traits: { email: 'inflight@example.org' } }),
      { keepAlive: true },
    );
    // The server accepts connections in order: once a later one is answered, the held one is being served.
    assert.equal(await probe(`${server.publicUrl}/health/alive`), 200);

    const signalledAt = Date.now();
    const exited = server.stop('SIGTERM');
    await eventually(async () => (await probe(`${server.publicUrl}/health/alive`)) === 'ECONNREFUSED');
    assert.equal(await probe(`${server.adminUrl}/health/alive`), 'ECONNREFUSED', 'the admin port stops accepting too');

    const response = await inFlight.finish();
    assert.equal(response.status, 200, response.body);
    // Otherwise the idle keep-alive connection would hold the shutdown until Node's keep-alive timeout.
    assert.equal(response.headers.connection, 'close');
    assert.match((JSON.parse(response.body) as { session_token: string }).session_token, /^ory_st_/);

    const code = await exited;
    assert.equal(code, 0, server.logs());
    assert.ok(Date.now() - signalledAt < 30_000, 'exits within the grace period');
    assert.match(server.logs(), /"msg":"shut down"/);
    assert.ok(!server.logs().includes('in flight passphrase 1'), 'no password in the process output');
    // better-sqlite3 checkpoints and removes the WAL when the last connection closes cleanly.
    assert.equal(existsSync(`${databaseFile(dir)}-wal`), false, 'the database was closed');
    const db = new Database(databaseFile(dir), { readonly: true });
    try {
      const row = db.prepare("select count(*) as n from identity_credential_identifiers where identifier = 'inflight@example.org'").get() as { n: number };
      assert.equal(row.n, 1, 'the acknowledged registration is on disk');
    } finally {
      db.close();
    }
  });

  it('cuts a request that outlives the grace period and still exits 0', async () => {
    const dir = tempDir();
    const server = await startServeProcess([], serveEnv(sqliteDsnIn(dir), { TESSERA_SHUTDOWN_GRACE_PERIOD: '1s' }));
    const flow = await jsonOf(await fetch(`${server.publicUrl}/self-service/registration/api`));
    const stuck = holdRequest(`${server.publicUrl}/self-service/registration?flow=${String(flow.id)}`, JSON.stringify({ method: 'password', password: 'never finished 12', traits: { email: 'stuck@example.org' } }));
    assert.equal(await probe(`${server.publicUrl}/health/alive`), 200);

    const signalledAt = Date.now();
    const code = await server.stop('SIGTERM');
    const elapsed = Date.now() - signalledAt;
    assert.equal(code, 0, server.logs());
    assert.ok(elapsed >= 900, `waited for the grace period (${elapsed} ms)`);
    // The default grace is 10 s: finishing well before that shows the configured 1 s was used.
    assert.ok(elapsed < 8_000, `did not wait much longer than the grace period (${elapsed} ms)`);
    assert.ok((await stuck.outcome) instanceof Error, 'the stuck request was cut');
  });
});
