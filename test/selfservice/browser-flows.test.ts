// test-stores: both
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { csrfTokenMatches } from '../../src/selfservice/csrf-token.js';
import { BrowserClient, csrfOf, flowIdOf, nodeMessageIds, type FlowJson } from '../helpers/browser-client.js';
import { setCookiesOf } from '../helpers/cookie-jar.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const BASE = 'http://localhost:4433/';
const CSRF_COOKIE = `csrf_token_${createHash('sha256').update(BASE).digest('hex')}`;
const PASSWORD = 'a long passphrase 42';

describe('browser flows over HTTP', () => {
  let server: TestServer;
  let emailCounter = 0;
  const newEmail = (): string => `person${++emailCounter}@example.org`;
  const browser = (): BrowserClient => new BrowserClient(server.publicUrl, BASE);

  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  async function startFlow(client: BrowserClient, kind: 'login' | 'registration'): Promise<FlowJson> {
    const init = await client.get(`/self-service/${kind}/browser`);
    assert.equal(init.status, 303);
    const fetched = await client.get(`/self-service/${kind}/flows?id=${flowIdOf(init)}`, 'application/json');
    assert.equal(fetched.status, 200);
    return (await fetched.json()) as FlowJson;
  }

  async function register(client: BrowserClient, email: string): Promise<Response> {
    const flow = await startFlow(client, 'registration');
    return client.postForm(`/self-service/registration?flow=${flow.id}`, { csrf_token: csrfOf(flow), 'traits.email': email, 'traits.name': 'Ada', password: PASSWORD, method: 'password' });
  }

  it('redirects a browser to the login UI and sets an HttpOnly, SameSite=Lax anti-CSRF cookie', async () => {
    const client = browser();
    const response = await client.get('/self-service/login/browser');
    assert.equal(response.status, 303);
    const location = new URL(response.headers.get('location') ?? '');
    assert.equal(`${location.origin}${location.pathname}`, 'http://localhost:4433/ui/login');
    assert.match(location.searchParams.get('flow') ?? '', /^[0-9a-f-]{36}$/);
    const [cookie] = setCookiesOf(response);
    assert.equal(cookie?.name, CSRF_COOKIE);
    assert.equal(cookie?.attributes.get('httponly'), true);
    assert.equal(cookie?.attributes.get('samesite'), 'Lax');
    assert.equal(cookie?.attributes.get('path'), '/');
    assert.equal(cookie?.attributes.has('secure'), false, 'no Secure on an http base URL');
  });

  it('answers JSON asking for JSON, with a csrf_token that is masked anew on every render', async () => {
    const client = browser();
    const response = await client.get('/self-service/registration/browser', 'application/json');
    assert.equal(response.status, 200);
    const flow = (await response.json()) as FlowJson;
    assert.equal(flow.type, 'browser');
    const cookie = client.jar.get(CSRF_COOKIE) ?? null;
    assert.ok(csrfTokenMatches(cookie, csrfOf(flow)), 'the node token unmasks to the cookie');
    const again = (await (await client.get(`/self-service/registration/flows?id=${flow.id}`, 'application/json')).json()) as FlowJson;
    assert.notEqual(csrfOf(again), csrfOf(flow), 'a fresh mask per render');
    assert.ok(csrfTokenMatches(cookie, csrfOf(again)));
    assert.notEqual(csrfOf(flow), cookie, 'the raw cookie value is never sent in the body');
  });

  it('keeps one anti-CSRF cookie across flows of the same browser', async () => {
    const client = browser();
    await client.get('/self-service/login/browser');
    const first = client.jar.get(CSRF_COOKIE);
    const second = await client.get('/self-service/registration/browser');
    assert.deepEqual(setCookiesOf(second), [], 'no new cookie while the old one is valid');
    assert.equal(client.jar.get(CSRF_COOKIE), first);
  });

  it('lets only the browser that created a flow fetch it (403 security_csrf_violation otherwise)', async () => {
    const owner = browser();
    const init = await owner.get('/self-service/login/browser');
    const id = flowIdOf(init);

    const stranger = browser();
    const noCookie = await stranger.get(`/self-service/login/flows?id=${id}`, 'application/json');
    assert.equal(noCookie.status, 403);
    const body = (await noCookie.json()) as { error: { id: string; details: Record<string, string> } };
    assert.equal(body.error.id, 'security_csrf_violation');
    assert.equal(body.error.details.redirect_to, 'http://localhost:4433/self-service/login/browser');
    assert.equal(body.error.details.reject_reason, 'The HTTP cookie header is empty or not set.');
    assert.equal(noCookie.headers.get('ory-error-id'), 'security_csrf_violation');

    await stranger.get('/self-service/login/browser');
    const otherCookie = await stranger.get(`/self-service/login/flows?id=${id}`, 'application/json');
    assert.equal(otherCookie.status, 403);

    const ok = await owner.get(`/self-service/login/flows?id=${id}`, 'application/json');
    assert.equal(ok.status, 200);
  });

  it('registers from a form post: nested traits, a session cookie, 303 to the default return URL', async () => {
    const client = browser();
    const email = newEmail();
    const response = await register(client, email);
    assert.equal(response.status, 303);
    assert.equal(response.headers.get('location'), 'http://localhost:4433/ui/welcome');
    const session = setCookiesOf(response).find((c) => c.name === 'ory_kratos_session');
    assert.ok(session, 'session cookie set');
    assert.match(session.value, /^ory_st_[A-Za-z0-9]{43}$/);
    assert.equal(session.attributes.get('httponly'), true);
    assert.equal(session.attributes.get('samesite'), 'Lax');
    assert.equal(session.attributes.get('path'), '/');
    assert.equal(session.attributes.get('max-age'), String(24 * 60 * 60), 'persistent for the session lifespan');

    const whoami = await client.get('/sessions/whoami', 'application/json');
    assert.equal(whoami.status, 200);
    const json = (await whoami.json()) as { identity: { traits: Record<string, unknown> } };
    assert.deepEqual(json.identity.traits, { email, name: 'Ada' });
  });

  it('sends a form with errors back to the UI, with the messages on the flow', async () => {
    const client = browser();
    const flow = await startFlow(client, 'registration');
    const response = await client.postForm(`/self-service/registration?flow=${flow.id}`, { csrf_token: csrfOf(flow), 'traits.email': newEmail(), password: 'short', method: 'password' });
    assert.equal(response.status, 303);
    assert.equal(flowIdOf(response), flow.id);
    assert.ok(response.headers.get('location')?.startsWith('http://localhost:4433/ui/registration?'));
    assert.equal(client.jar.get('ory_kratos_session'), undefined);
    const shown = (await (await client.get(`/self-service/registration/flows?id=${flow.id}`, 'application/json')).json()) as FlowJson;
    assert.deepEqual(nodeMessageIds(shown, 'password'), [4000032]);
  });

  it('treats an empty required trait from a form as missing (4000002)', async () => {
    const client = browser();
    const flow = await startFlow(client, 'registration');
    const response = await client.postForm(`/self-service/registration?flow=${flow.id}`, { csrf_token: csrfOf(flow), 'traits.email': '', 'traits.name': '', password: PASSWORD, method: 'password' }, 'application/json');
    assert.equal(response.status, 400);
    const shown = (await response.json()) as FlowJson;
    assert.deepEqual(nodeMessageIds(shown, 'traits.email'), [4000002]);
  });

  it('answers a JSON submit of a browser flow with 400 + flow on errors and 200 without a session_token on success', async () => {
    const client = browser();
    const email = newEmail();
    await register(client, email);
    client.jar.delete('ory_kratos_session');

    const flow = await startFlow(client, 'login');
    const wrong = await client.postJson(`/self-service/login?flow=${flow.id}`, { method: 'password', identifier: email, password: 'wrong passphrase 1', csrf_token: csrfOf(flow) });
    assert.equal(wrong.status, 400);
    const wrongFlow = (await wrong.json()) as FlowJson;
    assert.deepEqual(wrongFlow.ui.messages?.map((m) => m.id), [4000006]);
    assert.ok(csrfTokenMatches(client.jar.get(CSRF_COOKIE) ?? null, csrfOf(wrongFlow)));

    const ok = await client.postJson(`/self-service/login?flow=${flow.id}`, { method: 'password', identifier: email, password: PASSWORD, csrf_token: csrfOf(wrongFlow) });
    assert.equal(ok.status, 200);
    const body = (await ok.json()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(body), ['session', 'continue_with']);
    assert.deepEqual(body.continue_with, [{ action: 'redirect_browser_to', redirect_browser_to: 'http://localhost:4433/ui/welcome' }]);
    assert.match(client.jar.get('ory_kratos_session') ?? '', /^ory_st_/);
  });

  it('refuses a submit whose csrf_token does not match the cookie, and changes nothing', async () => {
    const client = browser();
    const flow = await startFlow(client, 'registration');
    const email = newEmail();
    const fields = { 'traits.email': email, password: PASSWORD, method: 'password' };

    const otherBrowser = browser();
    const otherFlow = await startFlow(otherBrowser, 'registration');
    const cases: Array<{ name: string; send: () => Promise<Response>; reason: RegExp }> = [
      { name: 'token of another browser', send: () => client.postForm(`/self-service/registration?flow=${flow.id}`, { ...fields, csrf_token: csrfOf(otherFlow) }, 'application/json'), reason: /do not match/ },
      { name: 'no token', send: () => client.postForm(`/self-service/registration?flow=${flow.id}`, fields, 'application/json'), reason: /was not included/ },
      { name: 'garbage token', send: () => client.postForm(`/self-service/registration?flow=${flow.id}`, { ...fields, csrf_token: 'not base64 at all!' }, 'application/json'), reason: /do not match/ },
      {
        name: 'no cookie',
        send: () => fetch(client.url(`/self-service/registration?flow=${flow.id}`), { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ ...fields, csrf_token: csrfOf(flow) }).toString() }),
        reason: /empty or not set/,
      },
    ];
    for (const { name, send, reason } of cases) {
      const response = await send();
      assert.equal(response.status, 403, name);
      const body = (await response.json()) as { error: { id: string; code: number; details: { reject_reason: string } } };
      assert.equal(body.error.id, 'security_csrf_violation', name);
      assert.equal(body.error.code, 403, name);
      assert.match(body.error.details.reject_reason, reason, name);
    }
    const unchanged = (await (await client.get(`/self-service/registration/flows?id=${flow.id}`, 'application/json')).json()) as FlowJson;
    assert.equal(unchanged.ui.messages, undefined);
    assert.deepEqual(unchanged.ui.nodes.flatMap((n) => n.messages), []);
    assert.equal(await server.runtime.deps.store.findIdentityByCredentialIdentifier('password', email), null, 'no identity was created');
  });

  it('accepts the token in the X-CSRF-Token header too', async () => {
    const client = browser();
    const flow = await startFlow(client, 'registration');
    const response = await fetch(client.url(`/self-service/registration?flow=${flow.id}`), {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/json', accept: 'application/json', cookie: client.jar.header(), 'x-csrf-token': csrfOf(flow) },
      body: JSON.stringify({ method: 'password', password: PASSWORD, traits: { email: newEmail() } }),
    });
    assert.equal(response.status, 200);
  });

  it('sends a signed-in browser on from the init endpoints, and tells a JSON client session_already_available', async () => {
    const client = browser();
    await register(client, newEmail());
    for (const kind of ['login', 'registration']) {
      const redirect = await client.get(`/self-service/${kind}/browser`);
      assert.equal(redirect.status, 303, kind);
      assert.equal(redirect.headers.get('location'), 'http://localhost:4433/ui/welcome', kind);
      const json = await client.get(`/self-service/${kind}/browser`, 'application/json');
      assert.equal(json.status, 400, kind);
      assert.equal(((await json.json()) as { error: { id: string } }).error.id, 'session_already_available', kind);
    }
    const refresh = await client.get('/self-service/login/browser?refresh=true');
    assert.equal(refresh.status, 303);
    assert.ok(refresh.headers.get('location')?.startsWith('http://localhost:4433/ui/login?flow='), 'refresh=true starts a flow');
  });

  it('rotates the anti-CSRF cookie when a session is issued', async () => {
    const client = browser();
    await client.get('/self-service/registration/browser');
    const before = client.jar.get(CSRF_COOKIE);
    await register(client, newEmail());
    const after = client.jar.get(CSRF_COOKIE);
    assert.ok(before && after);
    assert.notEqual(after, before);
  });

  it('refuses an API-flow submit that carries browser cookies, as Kratos does', async () => {
    const client = browser();
    await client.get('/self-service/login/browser');
    const apiFlow = (await (await fetch(`${server.publicUrl}/self-service/login/api`)).json()) as FlowJson;
    const response = await client.postJson(`/self-service/login?flow=${apiFlow.id}`, { method: 'password', identifier: 'x@example.org', password: PASSWORD });
    assert.equal(response.status, 400);
    const flow = (await response.json()) as FlowJson;
    assert.match(flow.ui.messages?.[0]?.text ?? '', /"Cookie" key/);
  });

  it('sends a form post to an expired browser flow to its replacement, and answers JSON with 410', async () => {
    const client = browser();
    const flow = await startFlow(client, 'login');
    const store = server.runtime.deps.store;
    const stored = await store.getFlow(flow.id);
    assert.ok(stored);
    stored.expiresAt = new Date(Date.now() - 60_000);
    await store.updateFlow(stored);

    const form = await client.postForm(`/self-service/login?flow=${flow.id}`, { csrf_token: csrfOf(flow), identifier: 'x@example.org', password: PASSWORD, method: 'password' });
    assert.equal(form.status, 303);
    const replacementId = flowIdOf(form);
    assert.notEqual(replacementId, flow.id);
    const replacement = (await (await client.get(`/self-service/login/flows?id=${replacementId}`, 'application/json')).json()) as FlowJson;
    assert.deepEqual(replacement.ui.messages?.map((m) => m.id), [4010001]);

    const json = await client.postJson(`/self-service/login?flow=${flow.id}`, { method: 'password', identifier: 'x@example.org', password: PASSWORD, csrf_token: csrfOf(flow) });
    assert.equal(json.status, 410);
    const fetched = await client.get(`/self-service/login/flows?id=${flow.id}`, 'application/json');
    assert.equal(fetched.status, 410);
    const body = (await fetched.json()) as { error: { details: { redirect_to: string } } };
    assert.equal(body.error.details.redirect_to, 'http://localhost:4433/self-service/login/browser');
  });

  it('shows errors of browser navigations as a page, and keeps JSON for everyone else', async () => {
    const client = browser();
    const flow = await startFlow(client, 'login');
    const page = await client.postForm(`/self-service/login?flow=${flow.id}`, { csrf_token: 'forged', identifier: 'x@example.org', password: PASSWORD, method: 'password' });
    assert.equal(page.status, 403);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assert.equal(page.headers.get('ory-error-id'), 'security_csrf_violation');
    assert.match(await page.text(), /Cross-Site-Request-Forgery/);

    const whoami = await client.get('/sessions/whoami');
    assert.equal(whoami.status, 401);
    assert.match(whoami.headers.get('content-type') ?? '', /^application\/json/, 'whoami is an API, never a page');
  });
});
