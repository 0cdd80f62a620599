// test-stores: sqlite
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { KratosError } from '../../src/errors/kratos-error.js';
import { allowedReturnTo } from '../../src/selfservice/return-to.js';
import { BrowserClient, csrfOf, flowIdOf, type FlowJson } from '../helpers/browser-client.js';
import { freePort } from '../helpers/free-port.js';
import { startServeProcess } from '../helpers/cli.js';
import { tempDir } from '../helpers/config.js';
import { serveEnv } from '../helpers/serve-env.js';
import { sqliteDsnIn } from '../helpers/sqlite-file.js';

const refused = (error: unknown): boolean => error instanceof KratosError && error.id === 'self_service_flow_return_to_forbidden';

/** A page answers, from the URL exactly as the browser was given it (no mapping to the test's own address). */
async function isLive(url: string): Promise<boolean> {
  try {
    return (await fetch(url, { redirect: 'manual' })).status === 200;
  } catch {
    return false;
  }
}

describe('redirect defaults follow the public base URL', () => {
  it('derive default_browser_return_url and allowed_return_urls from serve.public.base_url when they are unset', () => {
    const moved = loadConfig({ file: 'kratos.yml', env: { SERVE_PUBLIC_PORT: '8080' } });
    assert.equal(moved.serve.public.base_url, 'http://localhost:8080/');
    assert.equal(moved.selfservice.default_browser_return_url, 'http://localhost:8080/ui/welcome');
    assert.deepEqual(moved.selfservice.allowed_return_urls, ['http://localhost:8080/', 'http://localhost:8080/ui/welcome']);
    assert.equal(allowedReturnTo(moved, 'http://localhost:8080/ui/welcome', moved.selfservice.default_browser_return_url), 'http://localhost:8080/ui/welcome');
    assert.throws(() => allowedReturnTo(moved, 'http://localhost:4433/ui/welcome', moved.selfservice.default_browser_return_url), refused);

    const public_ = loadConfig({ file: 'kratos.yml', env: { SERVE_PUBLIC_BASE_URL: 'https://id.example.com/auth/' } });
    assert.equal(public_.selfservice.default_browser_return_url, 'https://id.example.com/auth/ui/welcome');
    assert.deepEqual(public_.selfservice.allowed_return_urls, ['https://id.example.com/auth/', 'https://id.example.com/auth/ui/welcome']);
    assert.throws(() => allowedReturnTo(public_, 'https://id.example.com/other', public_.selfservice.default_browser_return_url), refused);
  });

  it('keep what is configured: an explicit default return URL is allowed too, an explicit list replaces the derived one', () => {
    const app = loadConfig({ file: null, env: {}, overrides: { selfservice: { default_browser_return_url: 'https://app.example.com/home' } } });
    assert.equal(app.selfservice.default_browser_return_url, 'https://app.example.com/home');
    assert.deepEqual(app.selfservice.allowed_return_urls, ['http://localhost:4433/', 'https://app.example.com/home']);
    const listed = loadConfig({ file: null, env: {}, overrides: { selfservice: { allowed_return_urls: ['https://app.example.com/'] } } });
    assert.deepEqual(listed.selfservice.allowed_return_urls, ['https://app.example.com/']);
    const none = loadConfig({ file: null, env: {}, overrides: { selfservice: { allowed_return_urls: [] } } });
    assert.deepEqual(none.selfservice.allowed_return_urls, []);
  });

  it('with SERVE_PUBLIC_PORT moved, the shipped kratos.yml sends the browser to live pages after registration and logout', async () => {
    const port = await freePort();
    const server = await startServeProcess(['-c', 'kratos.yml'], serveEnv(sqliteDsnIn(tempDir()), { SERVE_PUBLIC_PORT: String(port) }));
    try {
      const base = `http://localhost:${port}/`;
      const client = new BrowserClient(server.publicUrl, base);

      const init = await client.get('/self-service/registration/browser');
      assert.equal(init.status, 303);
      assert.ok(init.headers.get('location')?.startsWith(`${base}ui/registration?flow=`), String(init.headers.get('location')));
      const flow = (await (await client.get(`/self-service/registration/flows?id=${flowIdOf(init)}`, 'application/json')).json()) as FlowJson;
      const registered = await client.postForm(`/self-service/registration?flow=${flow.id}`, { csrf_token: csrfOf(flow), 'traits.email': 'moved-port@example.org', password: 'a long passphrase 42', method: 'password' });
      assert.equal(registered.status, 303);
      const afterRegistration = String(registered.headers.get('location'));
      assert.equal(afterRegistration, `${base}ui/welcome`);
      assert.ok(await isLive(afterRegistration), `${afterRegistration} answers`);

      const { logout_url } = (await (await client.get('/self-service/logout/browser', 'application/json')).json()) as { logout_url: string };
      assert.ok(logout_url.startsWith(`${base}self-service/logout?token=`), logout_url);
      const loggedOut = await client.get(logout_url);
      assert.equal(loggedOut.status, 303);
      const afterLogout = String(loggedOut.headers.get('location'));
      assert.equal(afterLogout, `${base}ui/welcome`);
      assert.ok(await isLive(afterLogout), `${afterLogout} answers`);

      // return_to to a page of this instance is allowed without any configuration.
      const withReturn = await client.get(`/self-service/login/browser?return_to=${encodeURIComponent(`${base}ui/welcome?from=login`)}`);
      assert.equal(withReturn.status, 303);
    } finally {
      await server.stop();
    }
  });
});
