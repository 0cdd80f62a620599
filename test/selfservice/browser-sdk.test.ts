// test-stores: both
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ResponseError } from '@ory/client-fetch';
import { CookieJar } from '../helpers/cookie-jar.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * The official SDK driving browser flows the way a server-side rendered app does: it forwards the browser's
 * cookies and asks for JSON (as with Kratos, a request that does not prefer JSON gets redirects). The override
 * is a function because an object would replace the SDK's own headers (Cookie, Content-Type).
 */
const JSON_PLEASE = async ({ init }: { init: RequestInit }): Promise<RequestInit> => ({ headers: { ...(init.headers as Record<string, string>), Accept: 'application/json' } });

describe('browser flows through the official Ory SDK', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  it('registers, logs in, reads the session and logs out with cookies', async () => {
    const jar = new CookieJar();
    const created = await server.frontend.createBrowserRegistrationFlowRaw({}, JSON_PLEASE);
    jar.store(created.raw);
    const registrationFlow = await created.value();
    assert.equal(registrationFlow.type, 'browser');
    const csrf = (flow: { ui: { nodes: Array<{ attributes: unknown }> } }): string =>
      String((flow.ui.nodes.map((n) => n.attributes as { name?: string; value?: unknown }).find((a) => a.name === 'csrf_token'))?.value);

    const registeredRaw = await server.frontend.updateRegistrationFlowRaw(
      { flow: registrationFlow.id, cookie: jar.header(), updateRegistrationFlowBody: { method: 'password', password: 'a long passphrase 42', traits: { email: 'sdk-browser@example.org' }, csrf_token: csrf(registrationFlow) } },
      JSON_PLEASE,
    );
    jar.store(registeredRaw.raw);
    const registered = await registeredRaw.value();
    assert.equal(registered.session_token, undefined, 'browser flows never put the token in the body');
    assert.equal(registered.continue_with?.[0]?.action, 'redirect_browser_to');
    assert.ok(jar.get('ory_kratos_session'));

    // A fresh browser logs in.
    const loginJar = new CookieJar();
    const loginCreated = await server.frontend.createBrowserLoginFlowRaw({}, JSON_PLEASE);
    loginJar.store(loginCreated.raw);
    const loginFlow = await loginCreated.value();
    const fetched = await server.frontend.getLoginFlow({ id: loginFlow.id, cookie: loginJar.header() });
    assert.equal(fetched.id, loginFlow.id);
    const loginRaw = await server.frontend.updateLoginFlowRaw(
      { flow: loginFlow.id, cookie: loginJar.header(), updateLoginFlowBody: { method: 'password', identifier: 'sdk-browser@example.org', password: 'a long passphrase 42', csrf_token: csrf(fetched) } },
      JSON_PLEASE,
    );
    loginJar.store(loginRaw.raw);
    const login = await loginRaw.value();
    assert.equal(login.session_token, undefined);
    assert.equal(login.session.identity?.traits.email, 'sdk-browser@example.org');

    const session = await server.frontend.toSession({ cookie: loginJar.header() });
    assert.equal(session.id, login.session.id);

    const logout = await server.frontend.createBrowserLogoutFlow({ cookie: loginJar.header() });
    assert.match(logout.logout_token, /^ory_lo_/);
    await server.frontend.updateLogoutFlow({ token: logout.logout_token, cookie: loginJar.header() }, JSON_PLEASE);
    await assert.rejects(server.frontend.toSession({ cookie: loginJar.header() }), (error: unknown) => error instanceof ResponseError && error.response.status === 401);
  });

  it('surfaces a CSRF violation as a 403 ResponseError', async () => {
    const jar = new CookieJar();
    const created = await server.frontend.createBrowserLoginFlowRaw({}, JSON_PLEASE);
    jar.store(created.raw);
    const flow = await created.value();
    try {
      await server.frontend.updateLoginFlow({ flow: flow.id, cookie: jar.header(), updateLoginFlowBody: { method: 'password', identifier: 'x@example.org', password: 'whatever 123', csrf_token: 'forged' } }, JSON_PLEASE);
      assert.fail('expected a 403');
    } catch (error) {
      assert.ok(error instanceof ResponseError);
      assert.equal(error.response.status, 403);
      const body = (await error.response.json()) as { error: { id: string } };
      assert.equal(body.error.id, 'security_csrf_violation');
    }
  });
});
