// test-stores: both
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestClock } from '../helpers/clock.js';
import { testConfig } from '../helpers/config.js';
import { jsonOf, registerViaApi } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const UNAUTHORIZED = { error: { code: 401, status: 'Unauthorized', reason: 'No valid session credentials found in the request.', message: 'The request could not be authorized' } };

describe('GET /sessions/whoami (kratos.md §2)', () => {
  const clock = TestClock.running();
  let server: TestServer;
  let token: string;
  let identityId: string;
  before(async () => {
    server = await startTestServer(testConfig({ session: { lifespan: '2h' } }), { now: clock.now });
    const registered = await registerViaApi(server.publicUrl, 'whoami@example.org', 'whoami passphrase 1');
    token = String(registered.body.session_token);
    identityId = String((registered.body.identity as Record<string, unknown>).id);
  });
  after(() => server.close());

  it('reads the token from X-Session-Token, Authorization: Bearer and the session cookie, on both paths', async () => {
    for (const path of ['/sessions/whoami', '/session/whoami']) {
      for (const headers of [{ 'x-session-token': token }, { authorization: `Bearer ${token}` }, { cookie: `other=1; ory_kratos_session=${token}` }] as Array<Record<string, string>>) {
        const response = await fetch(`${server.publicUrl}${path}`, { headers });
        assert.equal(response.status, 200, `${path} ${Object.keys(headers)[0]}`);
        assert.equal(response.headers.get('x-kratos-authenticated-identity-id'), identityId);
        assert.equal(response.headers.get('cache-control'), 'private, no-cache, no-store, must-revalidate');
        const body = await jsonOf(response);
        assert.equal((body.identity as Record<string, unknown>).id, identityId);
        assert.equal(body.active, true);
        assert.deepEqual(Object.keys(body), ['id', 'active', 'expires_at', 'authenticated_at', 'authenticator_assurance_level', 'authentication_methods', 'issued_at', 'identity', 'devices']);
        assert.equal('credentials' in (body.identity as object), false);
        assert.equal('metadata_admin' in (body.identity as object), false);
      }
    }
  });

  it('answers the exact Kratos 401 for no, unknown and malformed credentials, echoing X-Request-ID', async () => {
    for (const headers of [{}, { 'x-session-token': 'ory_st_unknown' }, { authorization: 'Basic Zm9vOmJhcg==' }, { authorization: `Bearer` }, { 'x-session-token': 'x'.repeat(5000) }] as Array<Record<string, string>>) {
      const response = await fetch(`${server.publicUrl}/sessions/whoami`, { headers });
      assert.equal(response.status, 401);
      assert.deepEqual(await jsonOf(response), UNAUTHORIZED);
    }
    const withId = await fetch(`${server.publicUrl}/sessions/whoami`, { headers: { 'x-request-id': 'req-123' } });
    assert.deepEqual(await jsonOf(withId), { error: { ...UNAUTHORIZED.error, request: 'req-123' } });
  });

  it('stores only the SHA-256 of the token', async () => {
    const session = await server.runtime.deps.store.findSessionByTokenHash(token);
    assert.equal(session, null, 'the raw token must not be a lookup key');
    const { createHash } = await import('node:crypto');
    const hashed = await server.runtime.deps.store.findSessionByTokenHash(createHash('sha256').update(token).digest('hex'));
    assert.equal(hashed?.identity.id, identityId);
  });

  it('refuses a session once session.lifespan has passed', async () => {
    const registered = await registerViaApi(server.publicUrl, 'expiring@example.org', 'expiring passphrase 1');
    const expiring = String(registered.body.session_token);
    assert.equal((await fetch(`${server.publicUrl}/sessions/whoami`, { headers: { 'x-session-token': expiring } })).status, 200);
    clock.advance(2 * 60 * 60 * 1000 + 1000);
    const response = await fetch(`${server.publicUrl}/sessions/whoami`, { headers: { 'x-session-token': expiring } });
    assert.equal(response.status, 401);
    assert.deepEqual(await jsonOf(response), UNAUTHORIZED);
  });
});
