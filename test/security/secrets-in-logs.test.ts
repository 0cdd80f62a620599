// test-stores: both
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { createLogger } from '../../src/logging/logger.js';
import { buildRuntime } from '../../src/runtime/build-deps.js';
import { startServers } from '../../src/runtime/serve.js';
import { testConfig } from '../helpers/config.js';
import { TestClock } from '../helpers/clock.js';
import { jsonOf } from '../helpers/http.js';

/** A pino destination that keeps every line, for reading back what was logged. */
function captureLogs(): { lines: string[]; write(line: string): void } {
  const lines: string[] = [];
  return { lines, write: (line: string) => void lines.push(line) };
}

const ADMIN_KEY = 'admin-key-that-must-never-be-logged-42';
const COOKIE_SECRET = 'cookie-secret-that-must-never-be-logged';
const PASSWORD = 'registration passphrase that must stay secret';
const WRONG_PASSWORD = 'wrong passphrase that must stay secret';
/** What a user types into the identifier field by mistake: their password. */
const PASSWORD_AS_IDENTIFIER = 'my-password-typed-into-the-email-field';

describe('secrets never reach the logs', () => {
  it('logs no password, session token, API key, secret or hash through full flows, failures and a 500', async () => {
    const logs = captureLogs();
    const config = testConfig({
      log: { level: 'trace' },
      secrets: { cookie: [COOKIE_SECRET] },
      tessera: { admin: { api_key: ADMIN_KEY }, rate_limits: { login: { per_identifier: { limit: 2, window: '1m' } } } },
    });
    // A clock that stands still, so that the third attempt is reliably over the limit of two.
    const runtime = await buildRuntime(config, createLogger('trace', logs), { now: TestClock.frozen().now });
    const servers = await startServers(runtime);
    const pub = `http://127.0.0.1:${servers.publicPort}`;
    const adm = `http://127.0.0.1:${servers.adminPort}`;
    const json = { 'content-type': 'application/json' };
    const secrets: Record<string, string> = { password: PASSWORD, 'wrong password': WRONG_PASSWORD, 'password typed as identifier': PASSWORD_AS_IDENTIFIER, 'admin API key': ADMIN_KEY, 'cookie secret': COOKIE_SECRET };
    try {
      const registrationFlow = await jsonOf(await fetch(`${pub}/self-service/registration/api`));
      const registered = await jsonOf(
        await fetch(`${pub}/self-service/registration?flow=${String(registrationFlow.id)}`, { method: 'POST', headers: json, body: JSON.stringify({ method: 'password', password: PASSWORD, traits: { email: 'logged@example.org' } }) }),
      );
      secrets['registration session token'] = String(registered.session_token);

      const login = async (identifier: string, password: string): Promise<Record<string, unknown>> => {
        const flow = await jsonOf(await fetch(`${pub}/self-service/login/api`));
        return jsonOf(await fetch(`${pub}/self-service/login?flow=${String(flow.id)}`, { method: 'POST', headers: json, body: JSON.stringify({ method: 'password', identifier, password }) }));
      };
      const loggedIn = await login('logged@example.org', PASSWORD);
      secrets['login session token'] = String(loggedIn.session_token);
      await login('logged@example.org', WRONG_PASSWORD);
      await login(PASSWORD_AS_IDENTIFIER, WRONG_PASSWORD);
      await login(PASSWORD_AS_IDENTIFIER, WRONG_PASSWORD);
      const limited = await login(PASSWORD_AS_IDENTIFIER, WRONG_PASSWORD);
      assert.equal((limited.error as Record<string, unknown>).code, 429, 'the rate-limit warning is among the logs checked');

      const token = secrets['login session token'] as string;
      const carriers: Array<Record<string, string>> = [{ 'x-session-token': token }, { authorization: `Bearer ${token}` }, { cookie: `ory_kratos_session=${token}` }];
      for (const headers of carriers) {
        assert.equal((await fetch(`${pub}/sessions/whoami?tokenize_as=postgrest&token=${token}`, { headers })).status, 400);
        assert.equal((await fetch(`${pub}/sessions/whoami`, { headers })).status, 200);
      }
      // Kratos's browser logout carries a token in the query string; it must not reach the access log.
      await fetch(`${pub}/self-service/logout?token=${token}`, { redirect: 'manual' });
      await fetch(`${adm}/admin/identities`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
      await fetch(`${adm}/admin/identities`, { headers: { authorization: `Bearer ${ADMIN_KEY}-but-wrong` } });
      await fetch(`${adm}/admin/identities`, {
        method: 'POST',
        headers: { ...json, authorization: `Bearer ${ADMIN_KEY}` },
        body: JSON.stringify({ schema_id: 'default', traits: { email: 'imported@example.org' }, credentials: { password: { config: { password: PASSWORD } } } }),
      });
      assert.equal((await fetch(`${pub}/self-service/logout/api`, { method: 'DELETE', headers: json, body: JSON.stringify({ session_token: token }) })).status, 204);

      for (const email of ['logged@example.org', 'imported@example.org']) {
        const identity = await runtime.deps.store.findIdentityByCredentialIdentifier('password', email);
        secrets[`stored hash of ${email}`] = String(identity?.credentials?.find((c) => c.type === 'password')?.config.hashed_password);
      }
      secrets['session token hash'] = createHash('sha256').update(token).digest('hex');

      // A 500 with the password in flight: the database goes away under a registration.
      const lateFlow = await jsonOf(await fetch(`${pub}/self-service/registration/api`));
      await runtime.deps.store.close();
      const failed = await fetch(`${pub}/self-service/registration?flow=${String(lateFlow.id)}`, { method: 'POST', headers: json, body: JSON.stringify({ method: 'password', password: PASSWORD, traits: { email: 'late@example.org' } }) });
      assert.ok(failed.status >= 500, 'a server error is among the logs checked');
    } finally {
      await servers.shutdown(2000);
    }

    const text = logs.lines.join('');
    assert.ok(logs.lines.length > 20, 'the logs were captured');
    assert.match(text, /"msg":"request"/);
    assert.match(text, /"msg":"rate limit exceeded"/);
    assert.match(text, /"msg":"request failed"/);
    for (const [name, secret] of Object.entries(secrets)) {
      assert.ok(secret.length >= 16, `${name} is a meaningful needle`);
      assert.ok(!text.includes(secret), `the ${name} appears in the logs`);
    }
  });

  it('redacts secret-named fields a log call might carry by accident', () => {
    const logs = captureLogs();
    const logger = createLogger('info', logs);
    logger.info(
      {
        password: 'p-1',
        token: 't-1',
        session_token: 's-1',
        logout_token: 'l-1',
        hashed_password: 'h-1',
        api_key: 'a-1',
        key: 'k-1',
        d: 'jwk-d-1',
        body: { password: 'p-2', session_token: 's-2', logout_token: 'l-2', d: 'jwk-d-2', hashed_password: 'h-2', api_key: 'a-2' },
        headers: { authorization: 'Bearer z-1', cookie: 'c-1', 'x-session-token': 'x-1' },
      },
      'careless',
    );
    const line = logs.lines.join('');
    for (const value of ['p-1', 't-1', 's-1', 'l-1', 'h-1', 'a-1', 'k-1', 'jwk-d-1', 'p-2', 's-2', 'l-2', 'jwk-d-2', 'h-2', 'a-2', 'z-1', 'c-1', 'x-1']) {
      assert.ok(!line.includes(`"${value}"`) && !line.includes(value), `${value} was logged: ${line}`);
    }
    assert.match(line, /\[redacted\]/);
  });
});
