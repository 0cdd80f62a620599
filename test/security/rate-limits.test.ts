// test-stores: both
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { Hono } from 'hono';
import type { AppEnv } from '../../src/http/app-env.js';
import { identifierDigest, ipRateLimitSubject, retryAfterSeconds } from '../../src/selfservice/rate-limits.js';
import { EXPIRED_FLOW_RETENTION_MS, runMaintenance } from '../../src/runtime/maintenance.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { TestClock } from '../helpers/clock.js';
import { testConfig } from '../helpers/config.js';
import { jsonOf, loginViaApi, registerViaApi, uiMessageIds } from '../helpers/http.js';
import { fromAddress, inProcess, type InProcessTessera } from '../helpers/in-process.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { DatabaseProbe } from '../hostile/database-probe.js';

type Bindings = AppEnv['Bindings'] | undefined;

async function newFlowId(app: Hono<AppEnv>, kind: 'login' | 'registration', env?: Bindings): Promise<string> {
  const response = await app.request(`/self-service/${kind}/api`, {}, env);
  assert.equal(response.status, 200);
  return String((await jsonOf(response)).id);
}

async function login(app: Hono<AppEnv>, identifier: string, password: string, env?: Bindings): Promise<Response> {
  const flow = await newFlowId(app, 'login', env);
  return app.request(`/self-service/login?flow=${flow}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ method: 'password', identifier, password }) }, env);
}

async function register(app: Hono<AppEnv>, email: string, password: string, env?: Bindings): Promise<Response> {
  const flow = await newFlowId(app, 'registration', env);
  return app.request(`/self-service/registration?flow=${flow}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ method: 'password', password, traits: { email } }) }, env);
}

/** Asserts the exact 429 shape and returns its Retry-After in seconds. */
async function assertTooManyRequests(response: Response): Promise<{ retryAfter: number; body: Record<string, unknown> }> {
  assert.equal(response.status, 429);
  assert.equal(response.headers.get('content-type'), 'application/json');
  const retryAfter = Number(response.headers.get('retry-after'));
  assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1, `Retry-After is a positive integer, got ${response.headers.get('retry-after')}`);
  const body = await jsonOf(response);
  assert.deepEqual(Object.keys(body), ['error']);
  const error = body.error as Record<string, unknown>;
  assert.deepEqual(Object.keys(error), ['code', 'status', 'reason', 'message']);
  assert.equal(error.code, 429);
  assert.equal(error.status, 'Too Many Requests');
  assert.equal(error.message, 'Too many requests');
  assert.match(String(error.reason), new RegExp(`Retry in ${retryAfter} seconds\\.$`));
  return { retryAfter, body };
}

const limits = (overrides: Record<string, unknown>): Record<string, unknown> => ({ tessera: { rate_limits: overrides } });

describe('rate limits per identifier', () => {
  let t: InProcessTessera;
  before(async () => {
    // A clock that stands still, so that Retry-After is the same number for both accounts.
    t = await inProcess(testConfig(limits({ login: { per_identifier: { limit: 3, window: '1m' } }, registration: { per_identifier: { limit: 2, window: '1m' } } })), { clock: TestClock.frozen() });
    assert.equal((await register(t.publicApp, 'limited@example.org', 'limited passphrase 1')).status, 200);
  });
  after(() => t.close());

  it('answers the 4th login attempt with 429 without hashing, the same way for known and unknown accounts, and recovers', async () => {
    const answers: Array<{ status: number; retryAfter: string | null; body: string }> = [];
    for (const identifier of ['limited@example.org', 'nobody-at-all@example.org']) {
      for (let attempt = 1; attempt <= 3; attempt++) {
        const response = await login(t.publicApp, identifier, 'wrong passphrase 9');
        assert.equal(response.status, 400, `attempt ${attempt} for ${identifier}`);
        assert.deepEqual(uiMessageIds(await jsonOf(response)), [4000006]);
      }
      const runsBefore = t.hasher.runs;
      const limited = await login(t.publicApp, `  ${identifier.toUpperCase()} `, 'wrong passphrase 9');
      assert.equal(t.hasher.runs, runsBefore, 'a limited attempt runs no argon2 (the identifier is normalized before counting)');
      answers.push({ status: limited.status, retryAfter: limited.headers.get('retry-after'), body: await limited.clone().text() });
      await assertTooManyRequests(limited);
    }
    assert.deepEqual(answers[0], answers[1], 'the 429 does not depend on whether the account exists');

    // From the address that made the failures even the right password is refused while the account is limited;
    // from an address without failures on it, the right password gets through at once.
    const stillLimited = await login(t.publicApp, 'limited@example.org', 'limited passphrase 1');
    const { retryAfter } = await assertTooManyRequests(stillLimited);
    assert.equal((await login(t.publicApp, 'limited@example.org', 'limited passphrase 1', fromAddress('192.0.2.99'))).status, 200);
    t.clock.advance(retryAfter * 1000);
    const recovered = await login(t.publicApp, 'limited@example.org', 'limited passphrase 1');
    assert.equal(recovered.status, 200, 'after Retry-After seconds the next attempt goes through');
  });

  it('leaves a flow untouched when a submit is limited', async () => {
    const identifier = 'untouched@example.org';
    for (let i = 0; i < 3; i++) await login(t.publicApp, identifier, 'wrong passphrase 9');
    const flowId = await newFlowId(t.publicApp, 'login');
    const before = await (await t.publicApp.request(`/self-service/login/flows?id=${flowId}`)).text();
    t.clock.advance(1000);
    const limited = await t.publicApp.request(`/self-service/login?flow=${flowId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ method: 'password', identifier, password: 'wrong passphrase 9' }),
    });
    assert.equal(limited.status, 429);
    assert.equal(await (await t.publicApp.request(`/self-service/login/flows?id=${flowId}`)).text(), before);
  });

  it('limits registration attempts per identifier before hashing, for new and taken identifiers alike', async () => {
    assert.equal((await register(t.publicApp, 'taken@example.org', 'taken passphrase 12')).status, 200);
    const duplicate = await register(t.publicApp, 'taken@example.org', 'taken passphrase 12');
    assert.equal(duplicate.status, 400);
    assert.deepEqual(uiMessageIds(await jsonOf(duplicate)), [4000007]);
    const runsBefore = t.hasher.runs;
    await assertTooManyRequests(await register(t.publicApp, 'TAKEN@example.org', 'taken passphrase 12'));
    assert.equal(t.hasher.runs, runsBefore);

    for (let i = 0; i < 2; i++) assert.equal((await register(t.publicApp, 'fresh@example.org', 'short')).status, 400, 'policy failures do not count');
    assert.equal((await register(t.publicApp, 'fresh@example.org', 'fresh passphrase 12')).status, 200);
    assert.equal((await register(t.publicApp, 'fresh@example.org', 'fresh passphrase 12')).status, 400);
    await assertTooManyRequests(await register(t.publicApp, 'fresh@example.org', 'fresh passphrase 12'));
  });

  it('keys the counter on a hash of the identifier, never on the identifier itself', async () => {
    await login(t.publicApp, 'hashed-key@example.org', 'wrong passphrase 9');
    const probe = await DatabaseProbe.open(t.deps.config.dsn);
    try {
      assert.equal(await probe.count(`select count(*) as n from rate_limit_buckets where key = 'login:identifier:${identifierDigest('hashed-key@example.org')}'`), 1);
      assert.equal(await probe.count(`select count(*) as n from rate_limit_buckets where key like '%@%'`), 0, 'no raw identifier in any key');
    } finally {
      await probe.close();
    }
  });
});

describe('rate limits per client address', () => {
  let t: InProcessTessera;
  before(async () => {
    t = await inProcess(testConfig(limits({ login: { per_ip: { limit: 2, window: '1m' } }, registration: { per_ip: { limit: 1, window: '1m' } } })), { clock: TestClock.frozen() });
  });
  after(() => t.close());

  it('counts every login submit from one address, whatever the identifier, and not other addresses', async () => {
    const client = fromAddress('203.0.113.7');
    for (const identifier of ['a@example.org', 'b@example.org']) assert.equal((await login(t.publicApp, identifier, 'wrong passphrase 9', client)).status, 400);
    const runsBefore = t.hasher.runs;
    await assertTooManyRequests(await login(t.publicApp, 'c@example.org', 'wrong passphrase 9', client));
    // A submit with a broken body is counted too (it is refused before the body is even looked at).
    const flow = await newFlowId(t.publicApp, 'login', client);
    await assertTooManyRequests(await t.publicApp.request(`/self-service/login?flow=${flow}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' }, client));
    // An unknown flow is a 404 and is not counted: nothing is checked or written for it.
    const unknown = await t.publicApp.request('/self-service/login?flow=00000000-0000-4000-8000-000000000000', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }, client);
    assert.equal(unknown.status, 404);
    assert.equal(t.hasher.runs, runsBefore);
    assert.equal((await login(t.publicApp, 'c@example.org', 'wrong passphrase 9', fromAddress('203.0.113.8'))).status, 400);
    assert.equal((await login(t.publicApp, 'c@example.org', 'wrong passphrase 9', fromAddress('::ffff:203.0.113.9'))).status, 400);
    await assertTooManyRequests(await login(t.publicApp, 'c@example.org', 'wrong passphrase 9', fromAddress('::ffff:203.0.113.7')));
  });

  it('treats an IPv6 /64 as one client', async () => {
    for (const host of ['2001:db8:1:2::1', '2001:db8:1:2:ffff::2']) assert.equal((await login(t.publicApp, 'v6@example.org', 'wrong passphrase 9', fromAddress(host))).status, 400);
    await assertTooManyRequests(await login(t.publicApp, 'v6@example.org', 'wrong passphrase 9', fromAddress('2001:db8:1:2:abcd:1:2:3')));
    assert.equal((await login(t.publicApp, 'v6@example.org', 'wrong passphrase 9', fromAddress('2001:db8:1:3::1'))).status, 400);
  });

  it('limits registration per address with its own counter', async () => {
    const client = fromAddress('198.51.100.20');
    assert.equal((await register(t.publicApp, 'one@example.org', 'first passphrase 12', client)).status, 200);
    await assertTooManyRequests(await register(t.publicApp, 'two@example.org', 'second passphrase 12', client));
    assert.equal((await login(t.publicApp, 'one@example.org', 'first passphrase 12', client)).status, 200, 'login is counted separately');
  });
});

describe('rate limits across instances and when disabled', () => {
  it('holds across two instances sharing one SQLite file', async () => {
    // One config, so one database (a SQLite file, or one PostgreSQL database in the PostgreSQL pass).
    const config = testConfig(limits({ login: { per_identifier: { limit: 4, window: '1m' } } }));
    const clock = TestClock.frozen();
    const a = await inProcess(config, { clock });
    const b = await inProcess(config, { clock });
    try {
      for (const app of [a.publicApp, b.publicApp, a.publicApp, b.publicApp]) assert.equal((await login(app, 'shared@example.org', 'wrong passphrase 9')).status, 400);
      await assertTooManyRequests(await login(a.publicApp, 'shared@example.org', 'wrong passphrase 9'));
      await assertTooManyRequests(await login(b.publicApp, 'shared@example.org', 'wrong passphrase 9'));
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('never answers 429 when tessera.rate_limits.enabled is false', async () => {
    const t = await inProcess(testConfig(limits({ enabled: false, login: { per_identifier: { limit: 1, window: '1m' }, per_ip: { limit: 1, window: '1m' } } })));
    try {
      for (let i = 0; i < 4; i++) assert.equal((await login(t.publicApp, 'free@example.org', 'wrong passphrase 9', fromAddress('192.0.2.1'))).status, 400);
    } finally {
      await t.close();
    }
  });
});

describe('client address behind proxies (real server, X-Forwarded-For)', () => {
  const perIp = limits({ login: { per_ip: { limit: 2, window: '1m' } } });
  // The clock stands still: on a running clock, attempts that straddle a bucket boundary are weighed down.
  const frozen = (): { now: () => Date } => ({ now: TestClock.frozen().now });

  it('believes X-Forwarded-For from a trusted proxy and keys the limit on the forwarded client', async () => {
    const server = await startTestServer(testConfig({ ...perIp, tessera: { ...(perIp.tessera as object), trusted_proxies: ['127.0.0.0/8'] } }), frozen());
    try {
      const from = (client: string): Record<string, string> => ({ 'x-forwarded-for': `${client}, 127.0.0.1` });
      const attempt = (client: string): Promise<Response> => loginWithHeaders(server.publicUrl, from(client));
      assert.equal((await attempt('198.51.100.1')).status, 400);
      assert.equal((await attempt('198.51.100.1')).status, 400);
      await assertTooManyRequests(await attempt('198.51.100.1'));
      assert.equal((await attempt('198.51.100.2')).status, 400, 'another forwarded client has its own counter');
    } finally {
      await server.close();
    }
  });

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', async () => {
    const server = await startTestServer(testConfig(perIp), frozen());
    try {
      assert.equal((await loginWithHeaders(server.publicUrl, { 'x-forwarded-for': '198.51.100.1' })).status, 400);
      assert.equal((await loginWithHeaders(server.publicUrl, { 'x-forwarded-for': '198.51.100.2' })).status, 400);
      await assertTooManyRequests(await loginWithHeaders(server.publicUrl, { 'x-forwarded-for': '198.51.100.3' }));
    } finally {
      await server.close();
    }
  });

  it('puts the forwarded client address on the session device', async () => {
    const server = await startTestServer(testConfig({ tessera: { trusted_proxies: ['127.0.0.1', '::1'] } }));
    try {
      const registered = await registerViaApi(server.publicUrl, 'device@example.org', 'device passphrase 12', { 'x-forwarded-for': '192.0.2.44' });
      assert.equal(registered.status, 200);
      const devices = (registered.body.session as { devices: Array<{ ip_address: string }> }).devices;
      assert.equal(devices[0]?.ip_address, '192.0.2.44');
      const direct = await loginViaApi(server.publicUrl, 'device@example.org', 'device passphrase 12');
      assert.equal((direct.body.session as { devices: Array<{ ip_address: string }> }).devices[0]?.ip_address, '127.0.0.1');
    } finally {
      await server.close();
    }
  });
});

async function loginWithHeaders(publicUrl: string, headers: Record<string, string>): Promise<Response> {
  const flow = await jsonOf(await fetch(`${publicUrl}/self-service/login/api`));
  return fetch(`${publicUrl}/self-service/login?flow=${String(flow.id)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ method: 'password', identifier: 'proxied@example.org', password: 'wrong passphrase 9' }),
  });
}

/** A login over real HTTP, as a trusted proxy forwards it for `client` (flow creation and submit both). */
async function loginFrom(publicUrl: string, client: string, identifier: string, password: string): Promise<Response> {
  const forwarded = { 'x-forwarded-for': client };
  const flow = await jsonOf(await fetch(`${publicUrl}/self-service/login/api`, { headers: forwarded }));
  return fetch(`${publicUrl}/self-service/login?flow=${String(flow.id)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...forwarded },
    body: JSON.stringify({ method: 'password', identifier, password }),
  });
}

describe('no lockout of the owner by failures from other addresses (real server, X-Forwarded-For, default limits)', () => {
  const OWNER = 'owner@example.org';
  const PASSWORD = 'owner passphrase 12';
  const attacker = (i: number): string => `198.51.100.${i}`;
  let server: TestServer;
  before(async () => {
    // Default limits (10 unsettled attempts per identifier and per identifier and address, in 5 minutes). The
    // clock stands still so that the 429s for a known and an unknown account can be compared byte for byte.
    server = await startTestServer(testConfig({ tessera: { trusted_proxies: ['127.0.0.0/8'] } }), { now: TestClock.frozen().now });
    assert.equal((await registerViaApi(server.publicUrl, OWNER, PASSWORD, { 'x-forwarded-for': '203.0.113.1' })).status, 200);
  });
  after(() => server.close());

  it('lets the owner sign in after 40 failures from 40 other addresses, and keeps limiting those addresses', async () => {
    const answers: Record<string, { status: number; retryAfter: string | null; body: string }> = {};
    for (const identifier of [OWNER, 'nobody-here@example.org']) {
      for (let i = 1; i <= 40; i++) {
        const failed = await loginFrom(server.publicUrl, attacker(i), identifier, `guess number ${i}`);
        assert.equal(failed.status, 400, `guess ${i} from a fresh address is checked (and fails)`);
        await failed.arrayBuffer();
      }
      // Every address that has guessed once is now refused on this identifier: the account is under attack.
      for (const i of [1, 20, 40]) {
        const again = await loginFrom(server.publicUrl, attacker(i), identifier, identifier === OWNER ? PASSWORD : 'another guess 1');
        answers[`${identifier} ${i}`] = { status: again.status, retryAfter: again.headers.get('retry-after'), body: await again.clone().text() };
        await assertTooManyRequests(again);
      }
    }
    for (const i of [1, 20, 40]) assert.deepEqual(answers[`${OWNER} ${i}`], answers[`nobody-here@example.org ${i}`], 'the 429 does not depend on whether the account exists');

    const owner = await loginFrom(server.publicUrl, '203.0.113.77', OWNER, PASSWORD);
    assert.equal(owner.status, 200, 'the owner, from an address without failures, signs in');
    const session = (await jsonOf(owner)).session as { identity: { traits: { email: string } } };
    assert.equal(session.identity.traits.email, OWNER);
    // A success refunds its attempt: the owner signs in again from there as often as needed.
    for (let i = 0; i < 12; i++) assert.equal((await loginFrom(server.publicUrl, '203.0.113.77', OWNER, PASSWORD)).status, 200);
  });

  it('limits one address to per_identifier_and_ip guesses on an identifier, while the owner signs in elsewhere', async () => {
    const target = 'pair-target@example.org';
    assert.equal((await registerViaApi(server.publicUrl, target, PASSWORD, { 'x-forwarded-for': '203.0.113.2' })).status, 200);
    for (let i = 1; i <= 10; i++) assert.equal((await loginFrom(server.publicUrl, '192.0.2.200', target, `guess ${i} again`)).status, 400);
    const limited = await loginFrom(server.publicUrl, '192.0.2.200', target, PASSWORD);
    const { body } = await assertTooManyRequests(limited);
    assert.match(String((body.error as { reason: string }).reason), /^Too many failed login attempts for this identifier from this network address\./);
    // The same address on another identifier, and the owner from another address, are not affected.
    assert.equal((await loginFrom(server.publicUrl, '192.0.2.200', 'someone-else@example.org', 'a guess 1')).status, 400);
    assert.equal((await loginFrom(server.publicUrl, '203.0.113.78', target, PASSWORD)).status, 200);
  });

  it('checks at most one guess of a burst from a fresh address while the account is under attack', async () => {
    // The owner account is under attack (first test). Concurrent guesses from one new address: each is counted
    // before its password check, so only the first finds the address without attempts of its own.
    const statuses = await Promise.all(Array.from({ length: 8 }, (_, i) => loginFrom(server.publicUrl, '192.0.2.201', OWNER, `burst guess ${i}`).then(async (r) => (await r.arrayBuffer(), r.status))));
    assert.deepEqual(
      statuses.filter((status) => status === 400),
      [400],
      `statuses: ${statuses.join(', ')}`,
    );
    assert.equal(statuses.filter((status) => status === 429).length, 7);
  });
});

describe('flow creation per client address (real server, X-Forwarded-For)', () => {
  const LIMIT = 5;
  const FLOODER = '198.51.100.50';
  const from = (client: string, extra: Record<string, string> = {}): RequestInit => ({ headers: { 'x-forwarded-for': client, ...extra }, redirect: 'manual' });
  const clock = TestClock.frozen();
  const config = testConfig({ tessera: { trusted_proxies: ['127.0.0.0/8'], rate_limits: { flow_creation: { per_ip: { limit: LIMIT, window: '1m' } } } } });
  let server: TestServer;
  let probe: DatabaseProbe;
  before(async () => {
    server = await startTestServer(config, { now: clock.now });
    probe = await DatabaseProbe.open(config.dsn);
  });
  after(async () => {
    await probe.close();
    await server.close();
  });

  it('meets a flood from one address with 429 on every init, stores no more flows than the limit, and counts the flood no further', async () => {
    const inits = ['/self-service/login/api', '/self-service/registration/api', '/self-service/login/browser', '/self-service/registration/browser', '/self-service/login/api'];
    for (const path of inits) assert.ok([200, 303].includes((await fetch(`${server.publicUrl}${path}`, from(FLOODER))).status), path);

    const api = await fetch(`${server.publicUrl}/self-service/login/api`, from(FLOODER));
    const { retryAfter, body } = await assertTooManyRequests(api);
    assert.match(String((body.error as { reason: string }).reason), /^Too many self-service flows were started from this network address\./);
    const spa = await fetch(`${server.publicUrl}/self-service/registration/browser`, from(FLOODER, { accept: 'application/json' }));
    await assertTooManyRequests(spa);
    // A browser navigation gets the page, with the same status and Retry-After.
    for (const path of ['/self-service/login/browser', '/ui/login', '/ui/registration']) {
      const page = await fetch(`${server.publicUrl}${path}`, from(FLOODER, { accept: 'text/html' }));
      assert.equal(page.status, 429, path);
      assert.match(page.headers.get('content-type') ?? '', /^text\/html/, path);
      assert.equal(page.headers.get('retry-after'), String(retryAfter), path);
      assert.match(await page.text(), /Too many self-service flows/, path);
    }

    const flood = await Promise.all(Array.from({ length: 200 }, (_, i) => fetch(`${server.publicUrl}/self-service/${i % 2 ? 'login' : 'registration'}/api`, from(FLOODER)).then(async (r) => (await r.arrayBuffer(), r.status))));
    assert.deepEqual(new Set(flood), new Set([429]));
    assert.equal(await probe.count('select count(*) as n from selfservice_flows'), LIMIT, 'one stored flow per allowed init, none for the flood');
    // The store counted the first hit over the limit; this instance answered the rest from memory, without a write.
    assert.equal(await probe.count(`select sum("count") as n from rate_limit_buckets where key = 'flows:ip:${FLOODER}'`), LIMIT + 1);

    // Other addresses are not affected.
    assert.equal((await fetch(`${server.publicUrl}/self-service/login/api`, from('198.51.100.51'))).status, 200);
    assert.equal((await fetch(`${server.publicUrl}/ui/login`, from('198.51.100.51'))).status, 303);
  });

  it('holds on a second instance on the same database, which learns the block from the store', async () => {
    const second = await startTestServer(config, { now: clock.now });
    try {
      await assertTooManyRequests(await fetch(`${second.publicUrl}/self-service/registration/api`, from(FLOODER)));
      // `/ui/login` writes nothing: a second instance that has not seen the flood reads the counter.
      const third = await startTestServer(config, { now: clock.now });
      try {
        const page = await fetch(`${third.publicUrl}/ui/login`, from(FLOODER, { accept: 'text/html' }));
        assert.equal(page.status, 429);
        assert.ok(Number(page.headers.get('retry-after')) >= 1);
      } finally {
        await third.close();
      }
    } finally {
      await second.close();
    }
  });

  it('counts the replacement flow a submit to an expired flow creates, and frees the address after Retry-After', async () => {
    const client = '198.51.100.60';
    const expiring = await jsonOf(await fetch(`${server.publicUrl}/self-service/login/api`, from(client)));
    clock.advance(2 * 60 * 60 * 1000);
    for (let i = 0; i < LIMIT - 1; i++) assert.equal((await fetch(`${server.publicUrl}/self-service/login/api`, from(client))).status, 200);
    const submit = (): Promise<Response> =>
      fetch(`${server.publicUrl}/self-service/login?flow=${String(expiring.id)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': client },
        body: JSON.stringify({ method: 'password', identifier: 'late@example.org', password: 'late passphrase 1' }),
      });
    const gone = await submit();
    assert.equal(gone.status, 410, 'the last flow within the limit is the replacement');
    assert.ok((await jsonOf(gone)).use_flow_id);
    const { retryAfter } = await assertTooManyRequests(await submit());

    clock.advance(retryAfter * 1000);
    assert.equal((await fetch(`${server.publicUrl}/self-service/login/api`, from(client))).status, 200, 'after Retry-After seconds the next init goes through');
  });
});

describe('rate-limit arithmetic', () => {
  it('maps IPv4-mapped IPv6 to IPv4 and IPv6 to its /64', () => {
    assert.equal(ipRateLimitSubject('203.0.113.7'), '203.0.113.7');
    assert.equal(ipRateLimitSubject('::ffff:203.0.113.7'), '203.0.113.7');
    assert.equal(ipRateLimitSubject('2001:db8::1'), '2001:db8:0:0::/64');
    assert.equal(ipRateLimitSubject('2001:0DB8:0000:0001:1:2:3:4'), '2001:db8:0:1::/64');
    assert.equal(ipRateLimitSubject('::1'), '0:0:0:0::/64');
    assert.equal(ipRateLimitSubject('fe80::1%eth0'), 'fe80:0:0:0::/64');
    assert.equal(ipRateLimitSubject('64:ff9b::192.0.2.1'), '64:ff9b:0:0::/64');
  });

  it('Retry-After is always long enough for the next attempt to pass (property, real store)', async () => {
    const store = new SqliteStore('memory');
    try {
      let run = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 20 }),
          fc.integer({ min: 1_000, max: 600_000 }),
          fc.array(fc.integer({ min: 0, max: 1_200_000 }), { minLength: 1, maxLength: 60 }),
          fc.integer({ min: 0, max: 10_000_000 }),
          async (limit, windowMs, offsets, start) => {
            const key = `property:${run++}`;
            const times = offsets.map((offset) => start + offset).sort((x, y) => x - y);
            let count = 0;
            let last = start;
            for (const time of times) {
              count = await store.hitRateLimit(key, windowMs, new Date(time));
              last = time;
            }
            if (count <= limit) return;
            const wait = retryAfterSeconds(last, { limit, window: windowMs }, count);
            assert.ok(wait * 1000 <= 2 * windowMs + 1000, 'never more than two windows');
            const next = await store.hitRateLimit(key, windowMs, new Date(last + wait * 1000));
            assert.ok(next <= limit, `after ${wait}s the count is ${next} > ${limit}`);
          },
        ),
        { numRuns: 300 },
      );
    } finally {
      await store.close();
    }
  });

  it('maintenance deletes flows a day after they expired, and keeps younger ones for the 410', async () => {
    const t = await inProcess(testConfig(), { clock: TestClock.frozen() });
    try {
      const old = String((await jsonOf(await t.publicApp.request('/self-service/login/api'))).id);
      t.clock.advance(EXPIRED_FLOW_RETENTION_MS + 60 * 60 * 1000 + 1000);
      const recent = String((await jsonOf(await t.publicApp.request('/self-service/login/api'))).id);
      t.clock.advance(2 * 60 * 60 * 1000);
      await runMaintenance(t.deps);
      assert.equal(await t.deps.store.getFlow(old), null);
      const kept = await t.publicApp.request(`/self-service/login/flows?id=${recent}`);
      assert.equal(kept.status, 410, 'an expired flow younger than a day still answers 410');
    } finally {
      await t.close();
    }
  });

  it('maintenance deletes buckets older than two of the longest windows and keeps live ones', async () => {
    const t = await inProcess(testConfig(limits({ login: { per_identifier: { limit: 3, window: '1m' }, per_ip: { limit: 3, window: '2m' } } })));
    try {
      const now = t.clock.now().getTime();
      // The longest window is registration's default 5m, so buckets older than 10 minutes are stale.
      await t.deps.store.hitRateLimit('old', 60_000, new Date(now - 30 * 60_000));
      await t.deps.store.hitRateLimit('recent', 60_000, new Date(now - 60_000));
      await runMaintenance(t.deps);
      assert.equal(await t.deps.store.hitRateLimit('old', 60_000, new Date(now)), 1, 'the old bucket is gone');
      assert.ok((await t.deps.store.hitRateLimit('recent', 60_000, new Date(now))) >= 1);
      assert.equal(await t.deps.store.deleteExpired('rate_limit_buckets', new Date(now + 10 * 60_000), 100), 3, 'old@now, recent@now-1m, recent@now');
    } finally {
      await t.close();
    }
  });
});
