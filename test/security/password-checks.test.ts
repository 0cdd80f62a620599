// test-stores: both
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import bcrypt from 'bcrypt';
import { ConcurrencyLimit, QueueFullError } from '../../src/identity/concurrency-limit.js';
import type { CheckClock } from '../../src/identity/failed-check-floor.js';
import { importedHashFormats } from '../../src/identity/hash-formats/imported-hash-formats.js';
import { PasswordHasher } from '../../src/identity/password-hasher.js';
import { testConfig } from '../helpers/config.js';
import { jsonOf } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/** Runs `fn` after `depth` microtask turns: newcomers at every depth find any gap a slot handover leaves open. */
function afterMicrotasks(depth: number, fn: () => void): void {
  if (depth === 0) fn();
  else queueMicrotask(() => afterMicrotasks(depth - 1, fn));
}

describe('the hashing limit (ConcurrencyLimit)', () => {
  it('hands a freed slot to the first waiter: newcomers arriving meanwhile queue behind it, and the limit holds', async () => {
    const limit = new ConcurrencyLimit(1);
    const started: string[] = [];
    let running = 0;
    let peak = 0;
    const work = (name: string) => async (): Promise<void> => {
      started.push(name);
      running++;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setImmediate(resolve));
      running--;
    };
    let finishFirst!: () => void;
    const first = limit.run(() => {
      started.push('first');
      return new Promise<void>((resolve) => (finishFirst = resolve));
    });
    const runs = [first, limit.run(work('waiter'))];
    finishFirst();
    for (let depth = 0; depth < 8; depth++) afterMicrotasks(depth, () => runs.push(limit.run(work(`newcomer ${depth}`))));
    await new Promise((resolve) => setImmediate(resolve));
    while (runs.length < 10) await new Promise((resolve) => setImmediate(resolve));
    await Promise.all(runs);
    assert.deepEqual(started, ['first', 'waiter', ...Array.from({ length: 8 }, (_, depth) => `newcomer ${depth}`)]);
    assert.equal(peak, 1, 'never two hashes at once under a limit of one');
  });

  it('serves waiters first come, first served, with at most `limit` running, under contention', async () => {
    const limit = new ConcurrencyLimit(2);
    const started: number[] = [];
    let running = 0;
    let peak = 0;
    const task = (id: number) => async (): Promise<void> => {
      started.push(id);
      running++;
      peak = Math.max(peak, running);
      for (let i = 0; i < 1 + (id % 3); i++) await new Promise((resolve) => setImmediate(resolve));
      running--;
      // Each completion lets a newcomer in at once: it must queue behind everyone already waiting.
      if (id < 20) runs.push(limit.run(task(100 + id)));
    };
    const runs = Array.from({ length: 20 }, (_, id) => limit.run(task(id)));
    while (runs.length < 40) await new Promise((resolve) => setImmediate(resolve));
    await Promise.all(runs);
    assert.equal(peak, 2);
    assert.deepEqual(started.slice(0, 20), Array.from({ length: 20 }, (_, id) => id), 'the queue is served in order');
    assert.equal(started.length, 40);
  });

  it('refuses a task at once when every slot is busy and the queue is full, and takes one again when it drains', async () => {
    const limit = new ConcurrencyLimit(1, 2);
    let release!: () => void;
    const busy = limit.run(() => new Promise<void>((resolve) => (release = resolve)));
    const queued = [limit.run(async () => 'a'), limit.run(async () => 'b')];
    assert.equal(limit.pending, 2);
    await assert.rejects(limit.run(async () => 'c'), QueueFullError);
    assert.equal(limit.pending, 2, 'a refused task takes no place in the queue');
    release();
    await busy;
    assert.deepEqual(await Promise.all(queued), ['a', 'b']);
    assert.equal(await limit.run(async () => 'd'), 'd');
  });
});

describe('a full hashing queue over HTTP (real argon2, real server)', () => {
  let server: TestServer;
  before(async () => {
    // One slot and one place in the queue, and a hash slow enough (tens of milliseconds) that a burst of
    // concurrent logins arrives while the first is still being checked.
    server = await startTestServer(testConfig({ hashers: { argon2: { memory: '64MB', iterations: 3, parallelism: 1 } }, tessera: { limits: { hashing_concurrency: 1, hashing_queue_size: 1 } } }));
  });
  after(() => server.close());

  it('answers 503 with Retry-After in Kratos error JSON beyond the queue, and checks the logins it took', async () => {
    const flows = [];
    for (let i = 0; i < 12; i++) flows.push(String((await jsonOf(await fetch(`${server.publicUrl}/self-service/login/api`))).id));
    const responses = await Promise.all(
      flows.map((flow, i) =>
        fetch(`${server.publicUrl}/self-service/login?flow=${flow}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ method: 'password', identifier: `burst-${i}@example.org`, password: 'burst passphrase 1' }),
        }),
      ),
    );
    const statuses = responses.map((r) => r.status);
    assert.ok(statuses.every((status) => status === 400 || status === 503), statuses.join(', '));
    assert.ok(statuses.filter((status) => status === 400).length >= 2, `the running check and the queued one complete: ${statuses.join(', ')}`);
    const refused = responses.filter((r) => r.status === 503);
    assert.ok(refused.length >= 1, `nothing was refused: ${statuses.join(', ')}`);
    for (const response of refused) {
      const retryAfter = Number(response.headers.get('retry-after'));
      assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1, `Retry-After ${response.headers.get('retry-after')}`);
      assert.equal(response.headers.get('content-type'), 'application/json');
      assert.deepEqual(await jsonOf(response), {
        error: { code: 503, status: 'Service Unavailable', reason: `Too many password checks are waiting. Retry in ${retryAfter} seconds.`, message: 'The service is unavailable' },
      });
    }
    await Promise.all(responses.filter((r) => r.status !== 503).map((r) => r.arrayBuffer()));
    // Refused checks were not counted as failed attempts: each identifier can be tried again at once.
    const again = await fetch(`${server.publicUrl}/self-service/login?flow=${String((await jsonOf(await fetch(`${server.publicUrl}/self-service/login/api`))).id)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ method: 'password', identifier: 'burst-0@example.org', password: 'burst passphrase 1' }),
    });
    assert.equal(again.status, 400);
  });
});

/**
 * Each check "takes" the next scripted duration (the hasher reads the clock when a check starts and when it ends),
 * and holds are recorded instead of waited out: the policy is checked without timing anything. The hashing is real.
 */
class ScriptedClock implements CheckClock {
  private time = 0;
  private checkOpen = false;
  private readonly durations: number[] = [];
  readonly holds: number[] = [];

  nextChecksTake(...ms: number[]): void {
    this.durations.push(...ms);
  }

  now(): number {
    if (this.checkOpen) this.time += this.durations.shift() ?? 0;
    this.checkOpen = !this.checkOpen;
    return this.time;
  }

  async sleep(ms: number): Promise<void> {
    this.holds.push(ms);
  }
}

// Kratos's import test vectors (identity/handler_test.go), each the hash of "123456".
const PBKDF2 = '$pbkdf2-sha256$i=1000,l=128$e8/arsEf4cvQihdNgqj0Nw$5xQQKNTyeTHx2Ld5/JDE7A';
const OLDER_ARGON2 = '$argon2id$v=19$m=16,t=2,p=1$bVI1aE1SaTV6SGQ3bzdXdw$fnjCcZYmEPOUOjYXsT92Cg';

describe('a failed password check costs the same whatever stands behind the identifier', () => {
  const config = testConfig().hashers.argon2;

  it('holds failures to the costliest recent check: cheaper hashes and unknown identifiers alike', async () => {
    const clock = new ScriptedClock();
    const hasher = new PasswordHasher(config, { concurrency: 1, formats: importedHashFormats, clock });
    clock.nextChecksTake(100);
    await hasher.prime();
    assert.equal(hasher.failureFloorMs, 100, 'a check with the current parameters sets the floor at start');

    const cheapBcrypt = bcrypt.hashSync('right password', 4);
    clock.nextChecksTake(10);
    assert.equal((await hasher.verify(cheapBcrypt, 'wrong password')).ok, false);
    assert.deepEqual(clock.holds, [90], 'a cheap imported hash fails no sooner than a current one');

    clock.nextChecksTake(10);
    assert.equal((await hasher.verify(cheapBcrypt, 'right password')).ok, true);
    assert.deepEqual(clock.holds, [90], 'a success is never held');

    clock.nextChecksTake(95);
    assert.equal((await hasher.verifyDummy('anything at all')).ok, false);
    assert.deepEqual(clock.holds, [90, 5], 'an unknown identifier is held to the same floor');

    // A class costlier than the current parameters lifts every failure to its cost once it has been seen.
    clock.nextChecksTake(300);
    assert.equal((await hasher.verify(PBKDF2, '654321')).ok, false);
    clock.nextChecksTake(100, 40);
    await hasher.verifyDummy('anything at all');
    assert.equal((await hasher.verify(OLDER_ARGON2, '654321')).ok, false);
    // A stored hash in no known format fails without a check, and is held all the same.
    assert.equal((await hasher.verify('$md5$nothing-to-check', 'x')).ok, false);
    assert.deepEqual(clock.holds, [90, 5, 200, 260, 300]);
    assert.equal((await hasher.verify(PBKDF2, '123456')).ok, true, 'the scripted clock changes timing only, never the verdict');
  });

  it('follows the recent cost of a class, and a lone slow check does not hold failures for long', async () => {
    const clock = new ScriptedClock();
    const hasher = new PasswordHasher(config, { concurrency: 1, clock });
    clock.nextChecksTake(400);
    await hasher.prime();
    for (let i = 0; i < 8; i++) {
      clock.nextChecksTake(100);
      await hasher.verifyDummy('x');
    }
    assert.equal(hasher.failureFloorMs, 400, 'a slow check counts while there are few');
    clock.nextChecksTake(100);
    await hasher.verifyDummy('x');
    assert.equal(hasher.failureFloorMs, 100, 'one slow check among ten no longer holds every failure');
    for (let i = 0; i < 16; i++) {
      clock.nextChecksTake(i % 4 === 0 ? 500 : 100);
      await hasher.verifyDummy('x');
    }
    assert.equal(hasher.failureFloorMs, 500, 'a slow machine (a quarter of the checks) raises the floor');
    for (let i = 0; i < 16; i++) {
      clock.nextChecksTake(100);
      await hasher.verifyDummy('x');
    }
    assert.equal(hasher.failureFloorMs, 100, 'and the floor comes down with it');
  });
});

describe('bcrypt passwords longer than 72 bytes (real server, imported hash)', () => {
  // Made outside Tessera, with glibc/libxcrypt's crypt(3) (Python: crypt.crypt(PASSWORD, crypt.mksalt(
  // crypt.METHOD_BLOWFISH, rounds=1024))), from this 90-byte passphrase; bcrypt reads only its first 72 bytes.
  const PASSWORD = 'correct horse battery staple, '.repeat(3);
  const HASH = '$2b$10$IjtPCFWRGaHOkxWBgTgE../drZMm4jHpzElfQTgduj1Lw7xsNDJwG';
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
    for (const email of ['long-1@example.org', 'long-2@example.org']) {
      await server.identities.createIdentity({ createIdentityBody: { schema_id: 'default', traits: { email }, credentials: { password: { config: { hashed_password: HASH } } } } });
    }
  });
  after(() => server.close());

  const login = async (identifier: string, password: string): Promise<number> => {
    const flow = await jsonOf(await fetch(`${server.publicUrl}/self-service/login/api`));
    const response = await fetch(`${server.publicUrl}/self-service/login?flow=${String(flow.id)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ method: 'password', identifier, password }),
    });
    await response.arrayBuffer();
    return response.status;
  };

  it('checks the first 72 bytes, as bcrypt defines it, instead of refusing the password', async () => {
    assert.equal(Buffer.byteLength(PASSWORD), 90);
    assert.equal(await login('long-1@example.org', `${PASSWORD.slice(0, 71)}X${PASSWORD.slice(72)}`), 400, 'a difference within the first 72 bytes fails');
    assert.equal(await login('long-1@example.org', PASSWORD.slice(0, 71)), 400, '71 bytes are not the password');
    assert.equal(await login('long-1@example.org', `${PASSWORD.slice(0, 72)}a different tail`), 200, 'bytes after the 72nd never counted for this hash');
    assert.equal(await login('long-2@example.org', PASSWORD), 200, 'the owner signs in with the whole passphrase');
    // That login rehashed the password to argon2id, which reads every byte.
    assert.equal(await login('long-2@example.org', PASSWORD), 200);
    assert.equal(await login('long-2@example.org', `${PASSWORD.slice(0, 72)}a different tail`), 400);
  });
});
