// test-stores: postgres
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { MIGRATIONS_TABLE } from '../../src/store/postgres/migrate-under-lock.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { startServeProcess, type ServeProcess } from '../helpers/cli.js';
import { jsonOf, loginViaApi, registerViaApi } from '../helpers/http.js';
import { ensureCluster } from '../helpers/postgres-cluster.js';
import { tempDir } from '../helpers/config.js';
import { serveEnv } from '../helpers/serve-env.js';
import { payloadOf, writeKeyFile } from '../helpers/tokenizer.js';

/**
 * Two real `tessera serve` processes on one PostgreSQL database, as behind a load balancer. Every whoami reads the
 * database (batched per event-loop turn, see store/postgres/session-lookup.ts), so what one instance writes is what
 * the other reads on its very next request.
 */
describe('two Tessera instances on one PostgreSQL database', () => {
  const cluster = ensureCluster();
  const database = cluster.createDatabase();
  const dsn = cluster.dsn(database);
  let a: ServeProcess;
  let b: ServeProcess;
  let store: Store;

  before(async () => {
    // One tokenizer template with the shipped postgrest mapper, its key written beforehand for both.
    const keyFile = await writeKeyFile(tempDir());
    const templates = JSON.stringify({ postgrest: { ttl: '1m', jwks_url: `file://${keyFile}`, claims_mapper_url: `file://${process.cwd()}/templates/postgrest.jsonnet` } });
    const env = serveEnv(dsn, { SESSION_WHOAMI_TOKENIZER_TEMPLATES: templates, TESSERA_RATE_LIMITS_ENABLED: 'false' });
    // Started together on an empty database: both migrate at start, under the advisory lock.
    [a, b] = await Promise.all([startServeProcess([], env), startServeProcess([], env)]);
    store = await openStore(dsn);
  });
  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await store?.close();
  });

  const whoami = (instance: ServeProcess, token: string): Promise<Response> => fetch(`${instance.publicUrl}/sessions/whoami`, { headers: { 'x-session-token': token } });
  const tokenize = (instance: ServeProcess, token: string): Promise<Response> => fetch(`${instance.publicUrl}/sessions/whoami?tokenize_as=postgrest`, { headers: { 'x-session-token': token } });
  const identityIdOf = (body: Record<string, unknown>): string => String((body.identity as Record<string, unknown>).id);

  it('migrated the database exactly once although both started together', () => {
    // One row per migration file: twice as many would mean both instances applied them.
    const files = (JSON.parse(readFileSync(new URL('../../migrations/postgres/meta/_journal.json', import.meta.url), 'utf8')) as { entries: unknown[] }).entries.length;
    assert.equal(Number(cluster.psql(`select count(*) from ${MIGRATIONS_TABLE}`, database)), files);
  });

  it('accepts on B a session created through A, and on A a session created through B', async () => {
    const registered = await registerViaApi(a.publicUrl, 'shared@example.org', 'shared passphrase 12');
    assert.equal(registered.status, 200);
    const onB = await whoami(b, String(registered.body.session_token));
    assert.equal(onB.status, 200);
    assert.equal(identityIdOf(await jsonOf(onB)), identityIdOf(registered.body));

    const login = await loginViaApi(b.publicUrl, 'shared@example.org', 'shared passphrase 12');
    assert.equal(login.status, 200);
    const onA = await whoami(a, String(login.body.session_token));
    assert.equal(onA.status, 200);
    assert.equal(identityIdOf(await jsonOf(onA)), identityIdOf(registered.body));
  });

  it('refuses on A, at its very next whoami, a session logged out through B', async () => {
    const registered = await registerViaApi(a.publicUrl, 'logout@example.org', 'logout passphrase 12');
    const token = String(registered.body.session_token);
    assert.equal((await whoami(a, token)).status, 200, 'A has served this session before');
    const logout = await fetch(`${b.publicUrl}/self-service/logout/api`, { method: 'DELETE', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ session_token: token }) });
    assert.equal(logout.status, 204);
    assert.equal((await whoami(a, token)).status, 401);
  });

  it('refuses on both instances, at the very next whoami, a session whose identity was disabled elsewhere', async () => {
    const registered = await registerViaApi(b.publicUrl, 'disabled@example.org', 'disabled passphrase 12');
    const token = String(registered.body.session_token);
    assert.equal((await whoami(a, token)).status, 200);
    assert.equal((await whoami(b, token)).status, 200);
    // Disabled through a third client of the database (the admin PATCH route lives on another branch).
    const identity = await store.getIdentity(identityIdOf(registered.body));
    assert.ok(identity);
    await store.updateIdentity({ ...identity, state: 'inactive', stateChangedAt: new Date() });
    assert.equal((await whoami(a, token)).status, 401);
    assert.equal((await whoami(b, token)).status, 401);
  });

  it('refuses on A, at its very next whoami, a session whose identity was deleted through B', async () => {
    const registered = await registerViaApi(a.publicUrl, 'deleted@example.org', 'deleted passphrase 12');
    const token = String(registered.body.session_token);
    assert.equal((await whoami(a, token)).status, 200);
    const deleted = await fetch(`${b.adminUrl}/admin/identities/${identityIdOf(registered.body)}`, { method: 'DELETE' });
    assert.equal(deleted.status, 204);
    assert.equal((await whoami(a, token)).status, 401);
  });

  it('reflects traits and metadata changed elsewhere in the very next token, on both instances', async () => {
    const registered = await registerViaApi(a.publicUrl, 'changing@example.org', 'changing passphrase 12');
    const token = String(registered.body.session_token);
    for (const instance of [a, b]) {
      const claims = payloadOf(String((await jsonOf(await tokenize(instance, token))).tokenized));
      assert.deepEqual([claims.email, claims.role], ['changing@example.org', 'authenticated']);
    }
    const identity = await store.getIdentity(identityIdOf(registered.body));
    assert.ok(identity);
    // updated_at left as it was: an instance recognises an unchanged row by its whole text, not by a timestamp.
    await store.updateIdentity({ ...identity, traits: { email: 'changed@example.org' }, metadataPublic: { role: 'editor' }, updatedAt: identity.updatedAt });
    for (const instance of [a, b]) {
      const claims = payloadOf(String((await jsonOf(await tokenize(instance, token))).tokenized));
      assert.deepEqual([claims.email, claims.role], ['changed@example.org', 'editor']);
    }
  });

  it('under load, refuses on both instances every whoami and tokenize sent after a logout was answered', async () => {
    const registered = await registerViaApi(a.publicUrl, 'burst@example.org', 'burst passphrase 12');
    const token = String(registered.body.session_token);
    const outcomes: Array<{ sentAt: number; status: number }> = [];
    let loggedOutAt = Infinity;
    let stop = false;
    // 24 clients back to back, on both instances, plain and tokenizing: their lookups share batched queries.
    const clients = Array.from({ length: 24 }, async (_, i) => {
      const instance = i % 2 === 0 ? a : b;
      const call = i % 4 < 2 ? whoami : tokenize;
      while (!stop) {
        const sentAt = performance.now();
        const response = await call(instance, token);
        await response.arrayBuffer();
        outcomes.push({ sentAt, status: response.status });
      }
    });
    while (outcomes.length < 200) await new Promise((resolve) => setTimeout(resolve, 10));
    const logout = await fetch(`${b.publicUrl}/self-service/logout/api`, { method: 'DELETE', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ session_token: token }) });
    loggedOutAt = performance.now();
    assert.equal(logout.status, 204);
    while (outcomes.filter((o) => o.sentAt > loggedOutAt).length < 200) await new Promise((resolve) => setTimeout(resolve, 10));
    stop = true;
    await Promise.all(clients);
    const before = outcomes.filter((o) => o.sentAt < loggedOutAt);
    const after = outcomes.filter((o) => o.sentAt > loggedOutAt);
    assert.ok(before.some((o) => o.status === 200), 'the session was served before the logout');
    assert.deepEqual(new Set(after.map((o) => o.status)), new Set([401]), 'nothing sent after the logout was answered got through');
  });

  it('counts rate-limit hits from two stores on one database together, exactly', async () => {
    const other = await openStore(dsn);
    try {
      const key = `login:${randomUUID()}`;
      const now = new Date();
      const hits = (s: Store): Array<Promise<number>> => Array.from({ length: 25 }, () => s.hitRateLimit(key, 60_000, now));
      const counts = await Promise.all([...hits(store), ...hits(other)]);
      assert.deepEqual(
        counts.sort((x, y) => x - y),
        Array.from({ length: 50 }, (_, i) => i + 1),
      );
    } finally {
      await other.close();
    }
  });

  it('shuts both instances down cleanly on SIGTERM (exit code 0), leaving no connection behind', async () => {
    await store.close();
    assert.deepEqual(await Promise.all([a.stop('SIGTERM'), b.stop('SIGTERM')]), [0, 0]);
    // A backend leaves pg_stat_activity a moment after its client said goodbye.
    const connections = (): number => Number(cluster.psql(`select count(*) from pg_stat_activity where datname = '${database}'`));
    const deadline = Date.now() + 15_000;
    while (connections() > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(connections(), 0);
  });
});
