// test-stores: sqlite
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startServeProcess } from '../helpers/cli.js';
import { tempDir } from '../helpers/config.js';
import { jsonOf } from '../helpers/http.js';
import { serveEnv } from '../helpers/serve-env.js';
import { sqliteDsnIn } from '../helpers/sqlite-file.js';

const LIMIT = 5;
const ATTEMPTS = 24;

async function attempt(publicUrl: string): Promise<number> {
  const flow = await jsonOf(await fetch(`${publicUrl}/self-service/login/api`));
  const response = await fetch(`${publicUrl}/self-service/login?flow=${String(flow.id)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ method: 'password', identifier: 'contended@example.org', password: 'wrong passphrase 9' }),
  });
  await response.arrayBuffer();
  return response.status;
}

describe('rate limits across processes', () => {
  it('lets exactly the limit through when two `tessera serve` processes on one SQLite file are hit at once', async () => {
    const dir = tempDir();
    // A day-long window: no bucket boundary falls inside the few seconds this takes (on average). Every attempt
    // comes from one address, so the limit met is the one per identifier and address.
    const env = serveEnv(sqliteDsnIn(dir), {
      TESSERA_RATE_LIMITS_LOGIN_PER_IDENTIFIER_AND_IP_LIMIT: String(LIMIT),
      TESSERA_RATE_LIMITS_LOGIN_PER_IDENTIFIER_AND_IP_WINDOW: '24h',
      TESSERA_RATE_LIMITS_LOGIN_PER_IDENTIFIER_LIMIT: '1000',
      TESSERA_RATE_LIMITS_LOGIN_PER_IDENTIFIER_WINDOW: '24h',
    });
    const first = await startServeProcess([], env);
    const second = await startServeProcess([], env);
    try {
      const statuses = await Promise.all(Array.from({ length: ATTEMPTS }, (_, i) => attempt(i % 2 === 0 ? first.publicUrl : second.publicUrl)));
      const counts = new Map<number, number>();
      for (const status of statuses) counts.set(status, (counts.get(status) ?? 0) + 1);
      assert.deepEqual(Object.fromEntries(counts), { 400: LIMIT, 429: ATTEMPTS - LIMIT }, 'no lost or doubled count, no database error');
    } finally {
      assert.equal(await first.stop('SIGTERM'), 0);
      assert.equal(await second.stop('SIGTERM'), 0);
    }
  });
});
