// test-stores: sqlite
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { startServeProcess } from '../helpers/cli.js';
import { tempDir } from '../helpers/config.js';
import { jsonOf, loginViaApi, registerViaApi } from '../helpers/http.js';
import { serveEnv } from '../helpers/serve-env.js';
import { databaseFile, sqliteDsnIn } from '../helpers/sqlite-file.js';

const USERS = 200;
const CONCURRENCY = 20;
/** SIGKILL once this many registrations were acknowledged: the rest are in flight or not yet sent. */
const KILL_AFTER_ACKS = 80;

/** Runs `task` over `items` with at most `concurrency` at a time. */
async function pool<T>(items: T[], concurrency: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await task(items[next++] as T);
    }),
  );
}

/** Unrelated to the address, so the password policy's similarity check never refuses it. */
function passwordOf(email: string): string {
  return `battery staple ${email.length * 7919 + email.charCodeAt(6)} horse`;
}

function count(db: Database.Database, sql: string): number {
  return (db.prepare(sql).get() as { n: number }).n;
}

describe('crash safety', () => {
  it('keeps every acknowledged registration, and nothing half-written, across a SIGKILL', async (t) => {
    const dir = tempDir();
    // Rate limits off: 200 registrations from one address is the point here, not an attack.
    const env = serveEnv(sqliteDsnIn(dir), { HASHERS_ARGON2_MEMORY: '16MB', TESSERA_RATE_LIMITS_ENABLED: 'false' });
    const first = await startServeProcess([], env);
    const acknowledged = new Map<string, string>();
    let failed = 0;
    let killed: Promise<number | null> | null = null;
    const refusals: string[] = [];
    const emails = Array.from({ length: USERS }, (_, i) => `crash-${i}@example.org`);
    try {
      await pool(emails, CONCURRENCY, async (email) => {
        if (killed) return;
        try {
          const result = await registerViaApi(first.publicUrl, email, passwordOf(email));
          if (result.status !== 200) refusals.push(`${result.status} ${JSON.stringify(result.body).slice(0, 300)}`);
          else acknowledged.set(email, String(result.body.session_token));
        } catch {
          failed++;
          return;
        }
        if (acknowledged.size >= KILL_AFTER_ACKS && !killed) killed = first.stop('SIGKILL');
      });
    } finally {
      killed ??= first.stop('SIGKILL');
    }
    assert.deepEqual(refusals, [], 'every registration the server answered was accepted');
    assert.equal(await killed, null, 'the process died of SIGKILL, it did not exit');
    assert.ok(acknowledged.size >= KILL_AFTER_ACKS && acknowledged.size < USERS, `killed mid-way (${acknowledged.size} acknowledged, ${failed} cut)`);

    const second = await startServeProcess([], env);
    try {
      await pool([...acknowledged], 10, async ([email, token]) => {
        const login = await loginViaApi(second.publicUrl, email, passwordOf(email));
        assert.equal(login.status, 200, `${email} was acknowledged but cannot log in: ${JSON.stringify(login.body)}`);
        const whoami = await fetch(`${second.publicUrl}/sessions/whoami`, { headers: { 'x-session-token': token } });
        assert.equal(whoami.status, 200, `the session acknowledged for ${email} survived`);
      });
      const listed = await jsonOf(await fetch(`${second.adminUrl}/admin/identities?page_size=500`)) as unknown as Array<{ traits: { email: string } }>;
      assert.ok(listed.length >= acknowledged.size && listed.length <= USERS, `${listed.length} identities`);
    } finally {
      assert.equal(await second.stop('SIGTERM'), 0);
    }

    const db = new Database(databaseFile(dir), { readonly: true });
    try {
      assert.equal((db.pragma('integrity_check') as Array<{ integrity_check: string }>)[0]?.integrity_check, 'ok');
      assert.deepEqual(db.pragma('foreign_key_check'), []);
      assert.equal(count(db, `select count(*) as n from identities i where not exists (select 1 from identity_credentials c where c.identity_id = i.id and c.type = 'password')`), 0, 'an identity without its credential');
      assert.equal(count(db, `select count(*) as n from identity_credentials c where not exists (select 1 from identity_credential_identifiers x where x.identity_id = c.identity_id and x.type = c.type)`), 0, 'a credential without its identifier');
      assert.equal(count(db, `select count(*) as n from identities i where not exists (select 1 from sessions s where s.identity_id = i.id)`), 0, 'a registration without the session issued with it');
      const identities = count(db, 'select count(*) as n from identities');
      assert.ok(identities >= acknowledged.size, `${identities} identities for ${acknowledged.size} acknowledged registrations`);
      t.diagnostic(`${acknowledged.size} acknowledged, ${failed} cut by the kill, ${identities} identities on disk (committed but unacknowledged: ${identities - acknowledged.size})`);
    } finally {
      db.close();
    }
  });
});
