// test-stores: both
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Hono } from 'hono';
import type { AppEnv } from '../../src/http/app-env.js';
import { testConfig } from '../helpers/config.js';
import { jsonOf, uiMessageIds } from '../helpers/http.js';
import { inProcess, type InProcessTessera } from '../helpers/in-process.js';
import { DatabaseProbe } from './database-probe.js';
import { assertCleanResponse, assertErrorShape } from './response-checks.js';
import { createFlow, registerAndLogin } from './seed.js';

const ADMIN_KEY = 'flows-suite-admin-key-0123456789';
const PASSWORD = 'a perfectly fine passphrase 1';

interface Sent {
  status: number;
  body: Record<string, unknown>;
}

/** Sends raw text (so that the exact bytes are under the test's control) and applies the universal checks. */
async function send(app: Hono<AppEnv>, method: string, url: string, body: string | Uint8Array | undefined, headers: Record<string, string> = { 'content-type': 'application/json' }): Promise<Sent> {
  const response = await app.request(url, { method, headers, body });
  const json = await assertCleanResponse(response, { method, url, headers, body: typeof body === 'string' ? body : undefined });
  return { status: response.status, body: (json ?? {}) as Record<string, unknown> };
}

function nested(depth: number, leaf = '"x"'): string {
  return `${'{"a":'.repeat(depth)}${leaf}${'}'.repeat(depth)}`;
}

describe('hostile flows and bodies', () => {
  let t: InProcessTessera;
  let probe: DatabaseProbe;
  const submit = (kind: 'login' | 'registration', flow: string, body: string | Uint8Array | undefined, headers?: Record<string, string>): Promise<Sent> => send(t.publicApp, 'POST', `/self-service/${kind}?flow=${flow}`, body, headers);
  const admin = (method: string, url: string, body?: string): Promise<Sent> => send(t.adminApp, method, url, body, { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` });

  /** Runs `action` and asserts that no identity, credential or session appeared or disappeared. */
  async function changesNothing(action: () => Promise<unknown>): Promise<void> {
    const before = await probe.snapshot();
    await action();
    assert.deepEqual(await probe.snapshot(), before);
    await probe.assertConsistent();
  }

  /** Like changesNothing, for an action that may succeed (then it may write) or fail (then it must not). */
  async function changesNothingUnless200(action: () => Promise<number>): Promise<void> {
    const before = await probe.snapshot();
    if ((await action()) !== 200) assert.deepEqual(await probe.snapshot(), before);
    await probe.assertConsistent();
  }

  before(async () => {
    // Rate limits off: this file submits the same identifiers many times on purpose.
    t = await inProcess(testConfig({ tessera: { admin: { api_key: ADMIN_KEY }, rate_limits: { enabled: false } } }));
    probe = await DatabaseProbe.open(t.deps.config.dsn);
    await registerAndLogin(t.publicApp, 'existing@example.org', PASSWORD);
  });
  after(async () => {
    await probe.close();
    await t.close();
  });

  describe('replayed and expired flows', () => {
    it('refuses a completed login flow and issues no second session', async () => {
      const flow = await createFlow(t.publicApp, 'login');
      const body = JSON.stringify({ method: 'password', identifier: 'existing@example.org', password: PASSWORD });
      assert.equal((await submit('login', flow, body)).status, 200);
      await changesNothing(async () => {
        const replay = await submit('login', flow, body);
        assert.equal(replay.status, 400);
        assert.deepEqual(uiMessageIds(replay.body), [4010007]);
      });
    });

    it('refuses a completed registration flow and creates no second identity', async () => {
      const flow = await createFlow(t.publicApp, 'registration');
      assert.equal((await submit('registration', flow, JSON.stringify({ method: 'password', password: PASSWORD, traits: { email: 'replay-1@example.org' } }))).status, 200);
      await changesNothing(async () => {
        const replay = await submit('registration', flow, JSON.stringify({ method: 'password', password: PASSWORD, traits: { email: 'replay-2@example.org' } }));
        assert.equal(replay.status, 400);
        assert.deepEqual(uiMessageIds(replay.body), [4040002]);
      });
    });

    it('answers flows of the wrong kind with 404 and malformed ids with 400', async () => {
      const login = await createFlow(t.publicApp, 'login');
      await changesNothing(async () => {
        const wrongKind = await submit('registration', login, JSON.stringify({ method: 'password', password: PASSWORD, traits: { email: 'wrong-kind@example.org' } }));
        assert.equal(wrongKind.status, 404);
        assert.equal((wrongKind.body.error as Record<string, unknown>).message, 'Unable to locate the resource');
        for (const id of ['', 'not-a-uuid', `${login}0`, login.toUpperCase().replace(/-/g, ''), '../../admin', '%00', `${login}%00`]) {
          const response = await submit('login', id, JSON.stringify({ method: 'password', identifier: 'existing@example.org', password: PASSWORD }));
          assert.ok(response.status === 400 || response.status === 404, `?flow=${id}: ${response.status}`);
        }
        const missing = await send(t.publicApp, 'POST', '/self-service/login', '{}');
        assert.equal(missing.status, 400);
        assert.equal((missing.body.error as Record<string, unknown>).reason, 'The flow query parameter is missing or malformed.');
      });
    });

    it('lets only one of several concurrent submits of one flow succeed, and keeps it completed', async () => {
      const flow = await createFlow(t.publicApp, 'registration');
      const before = await t.deps.store.countIdentities();
      const results = await Promise.all(
        [1, 2, 3, 4].map((i) => submit('registration', flow, JSON.stringify({ method: 'password', password: PASSWORD, traits: { email: `race-${i}@example.org` } }))),
      );
      assert.deepEqual(results.map((r) => r.status).sort(), [200, 400, 400, 400]);
      assert.equal(await t.deps.store.countIdentities(), before + 1);
      assert.equal((await t.deps.store.getFlow(flow))?.state, 'passed_challenge', 'a losing submit must not reopen the flow');

      const login = await createFlow(t.publicApp, 'login');
      const logins = await Promise.all(
        [1, 2, 3].map(() => submit('login', login, JSON.stringify({ method: 'password', identifier: 'existing@example.org', password: PASSWORD }))),
      );
      assert.deepEqual(logins.map((r) => r.status).sort(), [200, 400, 400]);
    });

    // Moves the clock: keep it the last test of this group.
    it('answers expired flows with 410 and a replacement flow, without writing anything else', async () => {
      const login = await createFlow(t.publicApp, 'login');
      const registration = await createFlow(t.publicApp, 'registration');
      t.clock.advance(61 * 60 * 1000);
      await changesNothing(async () => {
        for (const [kind, flow, body] of [
          ['login', login, { method: 'password', identifier: 'existing@example.org', password: PASSWORD }],
          ['registration', registration, { method: 'password', password: PASSWORD, traits: { email: 'too-late@example.org' } }],
        ] as const) {
          const expired = await submit(kind, flow, JSON.stringify(body));
          assert.equal(expired.status, 410);
          assert.equal((expired.body.error as Record<string, unknown>).id, 'self_service_flow_expired');
          assert.equal(typeof expired.body.use_flow_id, 'string');
          const fetched = await send(t.publicApp, 'GET', `/self-service/${kind}/flows?id=${flow}`, undefined, {});
          assert.equal(fetched.status, 410);
        }
      });
    });
  });

  describe('sizes and nesting', () => {
    it('answers bodies over 1 MiB with 413 on every endpoint that reads a body', async () => {
      const huge = JSON.stringify({ method: 'password', password: PASSWORD, traits: { email: 'huge@example.org', name: 'x'.repeat(1024 * 1024) } });
      await changesNothing(async () => {
        for (const [app, url, method] of [
          [t.publicApp, `/self-service/registration?flow=${await createFlow(t.publicApp, 'registration')}`, 'POST'],
          [t.publicApp, `/self-service/login?flow=${await createFlow(t.publicApp, 'login')}`, 'POST'],
          [t.publicApp, '/self-service/logout/api', 'DELETE'],
          [t.adminApp, '/admin/identities', 'POST'],
        ] as const) {
          const response = await send(app, method, url, huge, { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` });
          // Submits report it on the flow (Kratos's 4000001 for undecodable bodies) or as a 413; never anything else.
          if (response.status === 400) assert.match(JSON.stringify(response.body), /exceeds the limit of 1048576 bytes/);
          else assert.equal(response.status, 413, `${method} ${url}`);
        }
      });
    });

    it('refuses JSON nested deeper than 32 levels before parsing, but not brackets inside strings', async () => {
      await changesNothing(async () => {
        const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
        const submitted = await submit('registration', await createFlow(t.publicApp, 'registration'), deep);
        assert.equal(submitted.status, 400);
        assert.match(JSON.stringify(submitted.body), /nesting deeper than 32 levels/);
        assert.equal((await admin('POST', '/admin/identities', deep)).status, 400);
        assert.equal((await admin('POST', '/admin/identities', nested(33))).status, 400);
        assert.equal((await send(t.publicApp, 'DELETE', '/self-service/logout/api', nested(5000))).status, 400);
      });
      const bracketsInAString = await submit('login', await createFlow(t.publicApp, 'login'), JSON.stringify({ method: 'password', identifier: '['.repeat(5000), password: PASSWORD }));
      assert.deepEqual(uiMessageIds(bracketsInAString.body), [4000006], 'an ordinary failed login, not a nesting error');
    });
  });

  describe('NUL and unicode', () => {
    it('keeps non-BMP and bidi characters in traits byte for byte; NUL is kept or refused cleanly', async () => {
      const name = 'Ada Lovelace 𝔄𝔡𝔞 \u202e';
      const registered = await submit('registration', await createFlow(t.publicApp, 'registration'), JSON.stringify({ method: 'password', password: PASSWORD, traits: { email: 'unicode-name@example.org', name } }));
      assert.equal(registered.status, 200);
      const whoami = await jsonOf(await t.publicApp.request('/sessions/whoami', { headers: { 'x-session-token': String(registered.body.session_token) } }));
      assert.equal(((whoami.identity as Record<string, unknown>).traits as Record<string, unknown>).name, name);

      // SQLite stores U+0000; PostgreSQL cannot (text and jsonb refuse it), and its store answers a 400.
      const withNul = 'Ada\u0000Lovelace';
      await changesNothingUnless200(async () => {
        const response = await submit('registration', await createFlow(t.publicApp, 'registration'), JSON.stringify({ method: 'password', password: PASSWORD, traits: { email: 'nul-name@example.org', name: withNul } }));
        if (response.status !== 200) {
          assert.equal(response.status, 400);
          return 400;
        }
        const stored = await jsonOf(await t.publicApp.request('/sessions/whoami', { headers: { 'x-session-token': String(response.body.session_token) } }));
        assert.equal(((stored.identity as Record<string, unknown>).traits as Record<string, unknown>).name, withNul);
        return 200;
      });
    });

    it('does not cut a password at a NUL: the part before it is not the password', async () => {
      // The password itself is never stored (only its hash), so NUL in it works on every store.
      const password = 'before the nul\u0000and after it';
      assert.equal((await submit('registration', await createFlow(t.publicApp, 'registration'), JSON.stringify({ method: 'password', password, traits: { email: 'nul-password@example.org' } }))).status, 200);
      const cut = await submit('login', await createFlow(t.publicApp, 'login'), JSON.stringify({ method: 'password', identifier: 'nul-password@example.org', password: 'before the nul' }));
      assert.deepEqual(uiMessageIds(cut.body), [4000006]);
      const whole = await submit('login', await createFlow(t.publicApp, 'login'), JSON.stringify({ method: 'password', identifier: 'nul-password@example.org', password }));
      assert.equal(whole.status, 200);
    });

    it('rejects NUL, bidi and lone surrogates in identifiers without writing anything', async () => {
      await changesNothing(async () => {
        for (const email of ['nul\u0000@example.org', '\u202eevil@example.org', 'a\ud800b@example.org', 'ＡＤＡ＠ｅｘａｍｐｌｅ．ｏｒｇ', `${'a'.repeat(400)}@example.org`, '\u0000']) {
          const response = await submit('registration', await createFlow(t.publicApp, 'registration'), JSON.stringify({ method: 'password', password: PASSWORD, traits: { email } }));
          assert.equal(response.status, 400, JSON.stringify(email));
          // The flow with a message; on PostgreSQL, a herodot 400 when the flow itself cannot store the input.
          assertErrorShape(400, response.body);
        }
      });
    });

    it('matches compatibility forms of an identifier at login, as Kratos normalizes (NFKC, lower case)', async () => {
      const login = await submit('login', await createFlow(t.publicApp, 'login'), JSON.stringify({ method: 'password', identifier: ' ＥＸＩＳＴＩＮＧ＠ｅｘａｍｐｌｅ．ｏｒｇ ', password: PASSWORD }));
      assert.equal(login.status, 200);
    });

    it('decodes invalid UTF-8, a BOM and UTF-16 bodies into a 400, never a 500', async () => {
      await changesNothing(async () => {
        const flow = await createFlow(t.publicApp, 'registration');
        const prefix = Buffer.from('{"method":"password","password":"a perfectly fine passphrase 1","traits":{"email":"');
        const invalidUtf8 = Buffer.concat([prefix, Buffer.from([0xff, 0xfe, 0xc0, 0x80, 0xed, 0xa0, 0x80]), Buffer.from('@example.org"}}')]);
        assert.equal((await submit('registration', flow, new Uint8Array(invalidUtf8))).status, 400);
        assert.equal((await submit('registration', flow, `\uFEFF${JSON.stringify({ method: 'password' })}`)).status, 400);
        const utf16 = new Uint8Array(Buffer.from(JSON.stringify({ method: 'password', password: PASSWORD, traits: { email: 'utf16@example.org' } }), 'utf16le'));
        assert.equal((await submit('registration', flow, utf16, { 'content-type': 'application/json; charset=utf-16' })).status, 400);
      });
    });
  });

  describe('wrong types', () => {
    it('answers every non-object body with a 400 and writes nothing', async () => {
      await changesNothing(async () => {
        for (const body of ['[]', 'null', '1', '"text"', 'true', '{}', '[{"method":"password"}]', '', ' ', 'nul\u0000']) {
          for (const kind of ['login', 'registration'] as const) {
            const response = await submit(kind, await createFlow(t.publicApp, kind), body);
            assert.equal(response.status, 400, `${kind} ${JSON.stringify(body)}`);
            assertErrorShape(400, response.body);
          }
          assert.equal((await admin('POST', '/admin/identities', body)).status, 400, `admin ${JSON.stringify(body)}`);
          assert.equal((await send(t.publicApp, 'DELETE', '/self-service/logout/api', body)).status, 400, `logout ${JSON.stringify(body)}`);
        }
      });
    });

    it('answers wrongly typed members with messages on the flow', async () => {
      const odd: unknown[] = [null, 1, 1.5, true, [], {}, ['existing@example.org'], { toString: 'x' }, -0, 1e308];
      await changesNothing(async () => {
        for (const value of odd) {
          for (const body of [
            { method: 'password', identifier: value, password: PASSWORD },
            { method: 'password', identifier: 'existing@example.org', password: value },
            { method: value, identifier: 'existing@example.org', password: PASSWORD },
            { method: 'password', password_identifier: value, password: PASSWORD },
          ]) {
            const response = await submit('login', await createFlow(t.publicApp, 'login'), JSON.stringify(body));
            assert.equal(response.status, 400, JSON.stringify(body));
          }
          for (const body of [
            { method: 'password', password: PASSWORD, traits: value },
            { method: 'password', password: PASSWORD, traits: { email: value } },
            { method: 'password', password: PASSWORD, traits: { email: 'typed@example.org', name: value } },
            { method: 'password', password: value, traits: { email: 'typed@example.org' } },
          ]) {
            if (body.traits && typeof body.traits === 'object' && 'name' in body.traits && (typeof value === 'string' || value === undefined)) continue;
            const response = await submit('registration', await createFlow(t.publicApp, 'registration'), JSON.stringify(body));
            assert.equal(response.status, 400, JSON.stringify(body));
          }
        }
      });
    });

    it('answers wrongly typed admin bodies and query parameters with 400', async () => {
      const valid = { schema_id: 'default', traits: { email: 'admin-typed@example.org' } };
      await changesNothing(async () => {
        for (const patch of [
          { traits: [] },
          { traits: 'x' },
          { schema_id: 1 },
          { schema_id: 'no-such-schema' },
          { state: 'deleted' },
          { state: 1 },
          { external_id: {} },
          { credentials: [] },
          { credentials: { password: { config: { password: 12345678 } } } },
          { credentials: { password: { config: { hashed_password: 'plaintext' } } } },
          { credentials: { totp: {} } },
          { verifiable_addresses: [{ value: 1, via: 'email' }] },
          { organization_id: 'org' },
          { unknown_member: true },
        ]) {
          const body = JSON.stringify({ ...valid, ...patch });
          const response = await admin('POST', '/admin/identities', body);
          assert.equal(response.status, 400, body);
        }
        for (const query of ['page_size=-1', 'page_size=0', 'page_size=1e3', 'page_size=NaN', 'page_size=99999999999999999999', 'page_token=../..', 'page_token=%00', `ids=${'x,'.repeat(600)}`, 'per_page=abc']) {
          const response = await admin('GET', `/admin/identities?${query}`);
          assert.ok(response.status === 200 || response.status === 400, `${query}: ${response.status}`);
        }
        assert.equal((await admin('GET', `/admin/identities?${Array.from({ length: 501 }, (_, i) => `ids=${i}`).join('&')}`)).status, 400);
      });
    });
  });

  describe('prototype pollution', () => {
    it('ignores __proto__ and constructor members in every body', async () => {
      const payloads = [
        '{"__proto__":{"polluted":"yes"},"method":"password","identifier":"existing@example.org","password":"x"}',
        '{"constructor":{"prototype":{"polluted":"yes"}},"method":"password","identifier":"existing@example.org","password":"x"}',
        '{"method":"password","password":"a perfectly fine passphrase 1","traits":{"email":"proto@example.org","__proto__":{"polluted":"yes"}}}',
        '{"method":"password","password":"a perfectly fine passphrase 1","traits":{"__proto__":{"email":"proto2@example.org"}}}',
      ];
      await changesNothing(async () => {
        for (const body of payloads) {
          for (const kind of ['login', 'registration'] as const) {
            const response = await submit(kind, await createFlow(t.publicApp, kind), body);
            assert.equal(response.status, 400, body);
          }
          assert.equal((await admin('POST', '/admin/identities', body)).status, 400);
        }
      });
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
      assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted'), false);
    });
  });

  describe('methods and paths', () => {
    it('answers unsupported methods and odd paths with herodot 404s, and keeps admin off the public port', async () => {
      await changesNothing(async () => {
        for (const [method, path] of [
          ['PUT', '/self-service/login'],
          ['PATCH', '/self-service/registration'],
          ['GET', '/self-service/logout/api'],
          ['POST', '/self-service/login/api'],
          ['DELETE', '/schemas'],
          ['GET', '/admin/identities'],
          ['GET', '/identities'],
          ['POST', '/admin/identities'],
          ['GET', '/self-service/login/../../admin/identities'],
          ['GET', '//admin/identities'],
          ['GET', '/%2e%2e/admin/identities'],
          ['GET', '/admin%2Fidentities'],
          ['GET', `/${'a/'.repeat(2000)}`],
          ['GET', '/\u0000'],
        ] as const) {
          const response = await send(t.publicApp, method, path, method === 'GET' ? undefined : '{}');
          assert.equal(response.status, 404, `${method} ${path}`);
        }
        for (const path of ['/admin/identities/..%2F..%2Fhealth%2Falive', '/admin/identities/%2e%2e', '/admin//identities', '/identities/%00', '/admin/identities/x/y/z']) {
          const response = await admin('GET', path);
          assert.ok([400, 404].includes(response.status), `${path}: ${response.status}`);
        }
      });
    });

    it('keeps the body through the admin prefix rewrite (/identities -> /admin/identities)', async () => {
      const created = await admin('POST', '/identities', JSON.stringify({ schema_id: 'default', traits: { email: 'rewritten@example.org' } }));
      assert.equal(created.status, 201);
      assert.equal((await admin('GET', `/identities/${String(created.body.id)}`)).status, 200);
    });
  });

  it('is healthy afterwards', async () => {
    assert.equal((await t.publicApp.request('/health/ready')).status, 200);
    await registerAndLogin(t.publicApp, 'after-flows@example.org');
    await probe.assertConsistent();
  });
});
