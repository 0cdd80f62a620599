// test-stores: both
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { KratosError } from '../../src/errors/kratos-error.js';
import { allowedReturnTo } from '../../src/selfservice/return-to.js';
import { BrowserClient, csrfOf, flowIdOf, type FlowJson } from '../helpers/browser-client.js';
import { testConfig } from '../helpers/config.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const ALLOWED = ['https://app.example.com/dashboard', 'https://*.example.org/', 'http://localhost:3000/'];
const FALLBACK = 'https://app.example.com/dashboard/home';

describe('return_to allow-list', () => {
  const config = testConfig({ selfservice: { allowed_return_urls: ALLOWED } });

  const refusalOf = (value: string): KratosError | null => {
    try {
      allowedReturnTo(config, value, FALLBACK);
      return null;
    } catch (error) {
      assert.ok(error instanceof KratosError);
      return error;
    }
  };

  it('allows same scheme, host and path prefix', () => {
    for (const ok of [
      'https://app.example.com/dashboard',
      'https://app.example.com/dashboard/settings?tab=1',
      'https://APP.example.com/dashboard/x',
      'https://a.example.org/anything',
      'https://deep.sub.example.org/',
      'http://localhost:3000/welcome',
      'http://localhost:4433/self-service/login/browser',
    ]) {
      assert.equal(refusalOf(ok), null, ok);
    }
  });

  it('refuses other schemes, hosts, ports and paths with self_service_flow_return_to_forbidden', () => {
    for (const bad of [
      'http://app.example.com/dashboard',
      'https://evil.example.com/dashboard',
      'https://app.example.com.evil.net/dashboard',
      'https://app.example.com/admin',
      'https://app.example.com/dashboardevil',
      'https://example.org/',
      'http://localhost:3001/',
      'http://localhost:4433/ui/welcome',
      '//evil.example.net/dashboard',
      'javascript:alert(1)',
      'https://app.example.com@evil.example.net/dashboard',
    ]) {
      const error = refusalOf(bad);
      assert.ok(error, bad);
      assert.equal(error.code, 400, bad);
      assert.equal(error.id, 'self_service_flow_return_to_forbidden', bad);
    }
  });

  it('resolves a relative target against the default return URL, and uses the default when absent', () => {
    assert.equal(allowedReturnTo(config, '/dashboard/x', FALLBACK), 'https://app.example.com/dashboard/x');
    assert.equal(allowedReturnTo(config, '', FALLBACK), FALLBACK);
    assert.equal(allowedReturnTo(config, undefined, FALLBACK), FALLBACK);
  });

  it('reports a target that is not a URL as a 400', () => {
    const error = refusalOf('http://[not-a-host/');
    assert.equal(error?.code, 400);
  });
});

describe('return_to through browser flows', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer(testConfig({ selfservice: { allowed_return_urls: ALLOWED } }));
  });
  after(async () => {
    await server.close();
  });

  it('refuses a flow with a forbidden return_to at init', async () => {
    const client = new BrowserClient(server.publicUrl, 'http://localhost:4433/');
    for (const kind of ['login', 'registration']) {
      const response = await client.get(`/self-service/${kind}/browser?return_to=${encodeURIComponent('https://evil.example.net/')}`, 'application/json');
      assert.equal(response.status, 400, kind);
      const body = (await response.json()) as { error: { id: string; reason: string } };
      assert.equal(body.error.id, 'self_service_flow_return_to_forbidden');
      assert.equal(body.error.reason, 'Requested return_to URL "https://evil.example.net/" is not allowed.');
    }
    const api = await fetch(`${server.publicUrl}/self-service/login/api?return_to=${encodeURIComponent('https://evil.example.net/')}`);
    assert.equal(api.status, 400, 'API flows check return_to as well');
  });

  it('redirects to an allowed return_to after registration', async () => {
    const client = new BrowserClient(server.publicUrl, 'http://localhost:4433/');
    const returnTo = 'https://app.example.com/dashboard/welcome?x=1';
    const init = await client.get(`/self-service/registration/browser?return_to=${encodeURIComponent(returnTo)}`);
    const flow = (await (await client.get(`/self-service/registration/flows?id=${flowIdOf(init)}`, 'application/json')).json()) as FlowJson;
    assert.equal(flow.return_to, returnTo);
    const done = await client.postForm(`/self-service/registration?flow=${flow.id}`, { csrf_token: csrfOf(flow), 'traits.email': 'returner@example.org', password: 'a long passphrase 42', method: 'password' });
    assert.equal(done.status, 303);
    assert.equal(done.headers.get('location'), returnTo);
  });
});
