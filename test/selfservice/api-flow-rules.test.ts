// test-stores: both
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestClock } from '../helpers/clock.js';
import { jsonOf, loginViaApi, registerViaApi, uiMessageIds } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

describe('native flow rules (kratos.md §3)', () => {
  const clock = TestClock.running();
  let server: TestServer;
  let token: string;
  before(async () => {
    server = await startTestServer(undefined, { now: clock.now });
    const registered = await registerViaApi(server.publicUrl, 'rules@example.org', 'rules passphrase 123');
    token = String(registered.body.session_token);
  });
  after(() => server.close());

  it('serializes login and registration flows with the keys and order of Kratos', async () => {
    const login = await jsonOf(await fetch(`${server.publicUrl}/self-service/login/api`));
    assert.deepEqual(Object.keys(login), ['id', 'organization_id', 'type', 'expires_at', 'issued_at', 'request_url', 'ui', 'created_at', 'updated_at', 'refresh', 'requested_aal', 'state']);
    const registration = await jsonOf(await fetch(`${server.publicUrl}/self-service/registration/api`));
    assert.deepEqual(Object.keys(registration), ['id', 'type', 'expires_at', 'issued_at', 'request_url', 'ui', 'organization_id', 'state']);
    assert.equal(login.state, 'choose_method');
    assert.equal(login.organization_id, null);
  });

  it('answers an expired flow with 410, self_service_flow_expired and a usable use_flow_id', async () => {
    const flow = await jsonOf(await fetch(`${server.publicUrl}/self-service/login/api`));
    clock.advance(61 * 60 * 1000);
    const response = await fetch(`${server.publicUrl}/self-service/login?flow=${String(flow.id)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ method: 'password', identifier: 'rules@example.org', password: 'rules passphrase 123' }),
    });
    assert.equal(response.status, 410);
    const body = await jsonOf(response);
    const error = body.error as Record<string, unknown>;
    assert.equal(error.id, 'self_service_flow_expired');
    assert.equal(error.code, 410);
    assert.equal(error.status, 'Gone');
    assert.equal(error.message, 'self-service flow expired');
    assert.match(String(error.reason), /^The self-service flow expired 1\.0\d minutes ago, initialize a new one\.$/);
    assert.equal(typeof body.use_flow_id, 'string');
    assert.equal(typeof body.since, 'number');
    const replacement = await jsonOf(await fetch(`${server.publicUrl}/self-service/login/flows?id=${String(body.use_flow_id)}`));
    assert.deepEqual(uiMessageIds(replacement), [4010001]);
    const fetchedExpired = await fetch(`${server.publicUrl}/self-service/login/flows?id=${String(flow.id)}`);
    assert.equal(fetchedExpired.status, 410);
    assert.equal(((await jsonOf(fetchedExpired)).error as Record<string, unknown>).id, 'self_service_flow_expired');
  });

  it('refuses API-flow submits carrying an Origin or a Cookie header, but not Cloudflare cookies', async () => {
    for (const [header, value, refused] of [
      ['origin', 'https://evil.example', true],
      ['cookie', 'session=abc', true],
      ['cookie', '__cflb=abc; cf_clearance=x', false],
    ] as const) {
      const flow = await jsonOf(await fetch(`${server.publicUrl}/self-service/login/api`));
      const response = await fetch(`${server.publicUrl}/self-service/login?flow=${String(flow.id)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [header]: value },
        body: JSON.stringify({ method: 'password', identifier: 'rules@example.org', password: 'rules passphrase 123' }),
      });
      if (refused) {
        assert.equal(response.status, 400, `${header}: ${value}`);
        const body = await jsonOf(response);
        assert.deepEqual(uiMessageIds(body), [4000001]);
        assert.match(JSON.stringify(body), new RegExp(`included the \\\\"${header === 'origin' ? 'Origin' : 'Cookie'}\\\\" key`));
      } else {
        assert.equal(response.status, 200, `${header}: ${value}`);
      }
    }
  });

  it('refuses a missing or malformed flow id with Kratos reasons', async () => {
    const missing = await fetch(`${server.publicUrl}/self-service/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(missing.status, 400);
    assert.equal(((await jsonOf(missing)).error as Record<string, unknown>).reason, 'The flow query parameter is missing or malformed.');
    const unknown = await fetch(`${server.publicUrl}/self-service/registration?flow=00000000-0000-4000-8000-000000000000`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(unknown.status, 404);
  });

  it('refuses to start a login or registration while a valid session is presented', async () => {
    for (const kind of ['login', 'registration']) {
      const response = await fetch(`${server.publicUrl}/self-service/${kind}/api`, { headers: { 'x-session-token': token } });
      assert.equal(response.status, 400, kind);
      const error = (await jsonOf(response)).error as Record<string, unknown>;
      assert.equal(error.id, 'session_already_available');
      assert.equal(error.message, 'you are already logged in');
    }
    const refresh = await fetch(`${server.publicUrl}/self-service/login/api?refresh=true`, { headers: { 'x-session-token': token } });
    assert.equal(refresh.status, 200);
  });

  it('does not accept a completed flow a second time', async () => {
    const flow = await jsonOf(await fetch(`${server.publicUrl}/self-service/login/api`));
    const submit = (): Promise<Response> =>
      fetch(`${server.publicUrl}/self-service/login?flow=${String(flow.id)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ method: 'password', identifier: 'rules@example.org', password: 'rules passphrase 123' }),
      });
    assert.equal((await submit()).status, 200);
    const replay = await submit();
    assert.equal(replay.status, 400);
    assert.deepEqual(uiMessageIds(await jsonOf(replay)), [4010007]);
  });

  it('normalizes identifiers with NFKC and case folding at login', async () => {
    assert.equal((await registerViaApi(server.publicUrl, 'Fullwidth@Example.org', 'width passphrase 99')).status, 200);
    const login = await loginViaApi(server.publicUrl, ' ｆｕｌｌｗｉｄｔｈ@ＥＸＡＭＰＬＥ.ORG ', 'width passphrase 99');
    assert.equal(login.status, 200);
  });

  it('reports wrong types and malformed JSON on the flow with message ids, not as a 5xx', async () => {
    const flow = await jsonOf(await fetch(`${server.publicUrl}/self-service/login/api`));
    const wrongType = await fetch(`${server.publicUrl}/self-service/login?flow=${String(flow.id)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ method: 'password', identifier: 42, password: ['x'] }),
    });
    assert.equal(wrongType.status, 400);
    assert.deepEqual(uiMessageIds(await jsonOf(wrongType)), [4000026, 4000026]);
    const malformed = await fetch(`${server.publicUrl}/self-service/login?flow=${String(flow.id)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"method": "password", ',
    });
    assert.equal(malformed.status, 400);
    assert.deepEqual(uiMessageIds(await jsonOf(malformed)), [4000001]);
  });
});
