// test-stores: both
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { testConfig } from '../helpers/config.js';
import { jsonOf } from '../helpers/http.js';
import { inProcess, type InProcessTessera } from '../helpers/in-process.js';
import { DatabaseProbe } from './database-probe.js';
import { assertCleanResponse } from './response-checks.js';
import { registerAndLogin } from './seed.js';

const ADMIN_KEY = 'tokens-suite-admin-key-0123456789';
const NO_SESSION = { error: { code: 401, status: 'Unauthorized', reason: 'No valid session credentials found in the request.', message: 'The request could not be authorized' } };

const base64url = (value: unknown): string => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** JWT-looking strings an attacker would present instead of a session token. */
function forgedJwts(identityId: string, sessionId: string, realToken: string): Record<string, string> {
  const claims = { sub: identityId, sid: sessionId, iss: 'http://localhost:4433/', exp: Math.floor(Date.now() / 1000) + 3600, session: { id: sessionId, active: true } };
  const hs256 = `${base64url({ alg: 'HS256', typ: 'JWT' })}.${base64url(claims)}`;
  return {
    'alg none': `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims)}.`,
    'alg none, no dot': `${base64url({ alg: 'none' })}.${base64url(claims)}`,
    'alg NONE': `${base64url({ alg: 'NONE', typ: 'JWT' })}.${base64url(claims)}.`,
    'HS256 with a guessed secret': `${hs256}.${createHmac('sha256', 'secret').update(hs256).digest('base64url')}`,
    'HS256 keyed with the session token': `${hs256}.${createHmac('sha256', realToken).update(hs256).digest('base64url')}`,
    'session token as the signature': `${base64url({ alg: 'EdDSA', kid: 'x' })}.${base64url(claims)}.${realToken}`,
    'expired JWT': `${base64url({ alg: 'none' })}.${base64url({ ...claims, exp: 1 })}.`,
  };
}

function tamperedTokens(real: string): Record<string, string> {
  const last = real.slice(-1);
  return {
    'forged with the right prefix': `ory_st_${randomBytes(32).toString('base64url').replace(/[-_]/g, 'a').slice(0, 43)}`,
    'last character changed': `${real.slice(0, -1)}${last === 'A' ? 'B' : 'A'}`,
    truncated: real.slice(0, -1),
    extended: `${real}x`,
    'case flipped': real.replace(/[a-z]/, (ch) => ch.toUpperCase()),
    'prefix only': 'ory_st_',
    'other prefix': real.replace('ory_st_', 'ory_lo_'),
    'very long': `ory_st_${'A'.repeat(100_000)}`,
    'latin-1': 'ory_st_ÿÿÿÿ',
  };
}

/** The three places a session token is read from (kratos.md §2.1). */
function carriers(token: string): Record<string, Record<string, string>> {
  return {
    'X-Session-Token': { 'x-session-token': token },
    'Authorization: Bearer': { authorization: `Bearer ${token}` },
    'session cookie': { cookie: `ory_kratos_session=${encodeURIComponent(token)}` },
  };
}

describe('hostile tokens', () => {
  let t: InProcessTessera;
  let probe: DatabaseProbe;
  let user: Awaited<ReturnType<typeof registerAndLogin>>;
  let sessionId: string;
  before(async () => {
    t = await inProcess(testConfig({ tessera: { admin: { api_key: ADMIN_KEY } } }));
    probe = await DatabaseProbe.open(t.deps.config.dsn);
    user = await registerAndLogin(t.publicApp, 'token-owner@example.org');
    sessionId = String((await jsonOf(await t.publicApp.request('/sessions/whoami', { headers: { 'x-session-token': user.token } }))).id);
  });
  after(async () => {
    await probe.close();
    await t.close();
  });

  it('answers forged, tampered and alg:none tokens in every carrier with the exact 401 of Kratos', async () => {
    const candidates = { ...tamperedTokens(user.token), ...forgedJwts(user.identityId, sessionId, user.token) };
    for (const [kind, token] of Object.entries(candidates)) {
      for (const [carrier, headers] of Object.entries(carriers(token))) {
        for (const path of ['/sessions/whoami', '/sessions/whoami?tokenize_as=postgrest']) {
          const response = await t.publicApp.request(path, { headers });
          const body = await assertCleanResponse(response, { method: 'GET', url: path, headers });
          assert.equal(response.status, 401, `${kind} in ${carrier}`);
          assert.deepEqual(body, NO_SESSION, `${kind} in ${carrier}`);
          assert.equal(response.headers.get('x-kratos-authenticated-identity-id'), null);
        }
      }
    }
    assert.equal((await t.publicApp.request('/sessions/whoami', { headers: { 'x-session-token': user.token } })).status, 200, 'the real token still works');
  });

  it('refuses to log out a forged token, and revokes nothing', async () => {
    const before = await probe.snapshot();
    for (const [kind, token] of Object.entries({ ...tamperedTokens(user.token), ...forgedJwts(user.identityId, sessionId, user.token) })) {
      const body = JSON.stringify({ session_token: token });
      const response = await t.publicApp.request('/self-service/logout/api', { method: 'DELETE', headers: { 'content-type': 'application/json' }, body });
      const json = (await assertCleanResponse(response, { method: 'DELETE', url: '/self-service/logout/api', headers: {}, body })) as { error: { reason: string } };
      assert.equal(response.status, 403, kind);
      assert.equal(json.error.reason, 'The provided Ory Session Token could not be found, is invalid, or otherwise malformed.');
    }
    for (const value of [null, 1, [], {}, '', true]) {
      const response = await t.publicApp.request('/self-service/logout/api', { method: 'DELETE', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ session_token: value }) });
      assert.equal(response.status, 400, JSON.stringify(value));
    }
    assert.deepEqual(await probe.snapshot(), before);
  });

  it('ignores a forged token when creating flows (no session means a plain new flow)', async () => {
    for (const token of Object.values(forgedJwts(user.identityId, sessionId, user.token))) {
      const response = await t.publicApp.request('/self-service/login/api', { headers: { 'x-session-token': token } });
      assert.equal(response.status, 200);
    }
  });

  it('treats expired, revoked and orphaned sessions as no session', async () => {
    const revoked = await registerAndLogin(t.publicApp, 'revoked@example.org');
    assert.equal((await t.publicApp.request('/self-service/logout/api', { method: 'DELETE', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ session_token: revoked.token }) })).status, 204);
    const orphaned = await registerAndLogin(t.publicApp, 'orphaned@example.org');
    assert.equal((await t.adminApp.request(`/admin/identities/${orphaned.identityId}`, { method: 'DELETE', headers: { authorization: `Bearer ${ADMIN_KEY}` } })).status, 204);
    for (const [kind, token] of [['revoked', revoked.token], ['identity deleted', orphaned.token]] as const) {
      for (const headers of Object.values(carriers(token))) {
        const response = await t.publicApp.request('/sessions/whoami', { headers });
        assert.equal(response.status, 401, kind);
        assert.deepEqual(await response.json(), NO_SESSION);
      }
    }
    // Last: moving the clock past the session lifespan (24h) expires every session of this instance.
    t.clock.advance(24 * 60 * 60 * 1000 + 1000);
    const expired = await t.publicApp.request('/sessions/whoami', { headers: { 'x-session-token': user.token } });
    assert.equal(expired.status, 401);
    assert.deepEqual(await expired.json(), NO_SESSION);
    const logout = await t.publicApp.request('/self-service/logout/api', { method: 'DELETE', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ session_token: user.token }) });
    assert.ok(logout.status === 204 || logout.status === 403, 'logging out an expired session is harmless');
  });

  it('refuses forged admin credentials with 401 and a Bearer challenge', async () => {
    const forged = [
      `Bearer ${base64url({ alg: 'none' })}.${base64url({ sub: 'admin', role: 'admin' })}.`,
      `Bearer ${ADMIN_KEY.toUpperCase()}`,
      `Bearer ${ADMIN_KEY.slice(0, -1)}`,
      `Bearer ${ADMIN_KEY}x`,
      `Bearer ${ADMIN_KEY.slice(0, 16)}`,
      `Basic ${Buffer.from(`admin:${ADMIN_KEY}`).toString('base64')}`,
      ADMIN_KEY,
      `Token ${ADMIN_KEY}`,
      'Bearer',
      'Bearer ',
      `Bearer ${user.token}`,
    ];
    for (const authorization of forged) {
      for (const path of ['/admin/identities', `/admin/identities/${user.identityId}`, '/identities']) {
        const response = await t.adminApp.request(path, { headers: { authorization } });
        const body = (await assertCleanResponse(response, { method: 'GET', url: path, headers: { authorization } })) as { error: { code: number } };
        assert.equal(response.status, 401, `${authorization.slice(0, 40)} on ${path}`);
        assert.equal(body.error.code, 401);
        assert.equal(response.headers.get('www-authenticate'), 'Bearer');
      }
    }
    assert.equal((await t.adminApp.request('/admin/identities', { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).status, 200);
  });
});
