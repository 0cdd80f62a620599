// test-stores: both
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { inputNode, type UiContainer } from '../../src/selfservice/ui-nodes.js';
import { text } from '../../src/text/messages.js';
import { renderFlowForm } from '../../src/ui/flow-form.js';
import { escapeHtml } from '../../src/ui/html.js';
import { BrowserClient, csrfOf, flowIdOf, type FlowJson } from '../helpers/browser-client.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const BASE = 'http://localhost:4433/';
const HOSTILE = '"><script>alert(1)</script><img src=x onerror=alert(2)>';

/** Every `<label for=x>` must name an element with id x, and every visible input must have such a label. */
function assertLabelled(page: string): void {
  const ids = new Set([...page.matchAll(/<input[^>]*\sid="([^"]+)"/g)].map((m) => m[1]));
  const labelled = new Set([...page.matchAll(/<label for="([^"]+)"/g)].map((m) => m[1]));
  assert.ok(ids.size > 0);
  assert.deepEqual([...ids].sort(), [...labelled].sort());
}

describe('built-in pages', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  it('starts a flow when opened without one', async () => {
    const client = new BrowserClient(server.publicUrl, BASE);
    for (const kind of ['login', 'registration']) {
      const response = await client.get(`/ui/${kind}`);
      assert.equal(response.status, 303);
      assert.equal(response.headers.get('location'), `http://localhost:4433/self-service/${kind}/browser`);
    }
    const unknown = await client.get('/ui/login?flow=7458af86-c1d8-401c-978a-8da89133f78b');
    assert.equal(unknown.status, 303, 'an unknown flow starts over too');
  });

  it('renders the registration form from the flow: labels, the CSRF token, the action, strict headers', async () => {
    const client = new BrowserClient(server.publicUrl, BASE);
    const init = await client.get('/self-service/registration/browser');
    const response = await client.get(`/ui/registration?flow=${flowIdOf(init)}`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/html; charset=utf-8/);
    assert.match(response.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    assert.equal(response.headers.get('x-frame-options'), 'DENY');
    const page = await response.text();
    assert.match(page, new RegExp(`<form action="http://localhost:4433/self-service/registration\\?flow=${flowIdOf(init)}" method="POST">`));
    assert.match(page, /<input type="hidden" name="csrf_token" value="[A-Za-z0-9+/=]{88}">/);
    assert.match(page, /<label for="field-1">E-Mail<\/label><input type="email" id="field-1" name="traits.email" required/);
    assert.match(page, /<button type="submit" name="method" value="password">Sign up<\/button>/);
    assert.doesNotMatch(page, /<script|<link|src=/, 'no scripts, no external assets');
    assertLabelled(page);
  });

  it('refuses to render another browser’s flow', async () => {
    const owner = new BrowserClient(server.publicUrl, BASE);
    const init = await owner.get('/self-service/login/browser');
    const stranger = new BrowserClient(server.publicUrl, BASE);
    const response = await stranger.get(`/ui/login?flow=${flowIdOf(init)}`);
    assert.equal(response.status, 403);
    assert.match(await response.text(), /data-error-id>security_csrf_violation</);
  });

  it('escapes what users typed, and shows each message next to its field', async () => {
    const client = new BrowserClient(server.publicUrl, BASE);
    const init = await client.get('/self-service/registration/browser');
    const flow = (await (await client.get(`/self-service/registration/flows?id=${flowIdOf(init)}`, 'application/json')).json()) as FlowJson;
    const submitted = await client.postForm(`/self-service/registration?flow=${flow.id}`, { csrf_token: csrfOf(flow), 'traits.email': HOSTILE, 'traits.name': HOSTILE, password: 'x', method: 'password' });
    assert.equal(submitted.status, 303);
    const page = await (await client.get(`/ui/registration?flow=${flow.id}`)).text();
    assert.ok(!page.includes('<script>alert(1)'), 'no live markup from input');
    assert.ok(!page.includes('<img src=x'), 'no live markup from input');
    assert.ok(page.includes(`value="${escapeHtml(HOSTILE)}"`), 'the typed value is shown, escaped');
    // The email's message is under the email input and referenced from it.
    assert.match(page, /<input type="email" id="field-1"[^>]*aria-invalid="true" aria-describedby="field-1-messages"[^>]*><ul class="messages" id="field-1-messages" role="alert"><li class="message error" data-message-id="4000\d+">/);
    assert.doesNotMatch(page, /type="password"[^>]*value=/, 'a password is never echoed');
  });

  it('renders any group of submit nodes as buttons, and lets provider buttons skip required-field checks', () => {
    const ui: UiContainer = {
      action: 'https://auth.example.com/self-service/login?flow=1',
      method: 'POST',
      nodes: [
        inputNode('default', { name: 'csrf_token', type: 'hidden', value: 'tok' }),
        inputNode('default', { name: 'identifier', type: 'text', required: true }, text.labelId()),
        inputNode('password', { name: 'password', type: 'password', required: true }, text.labelPassword()),
        inputNode('password', { name: 'method', type: 'submit', value: 'password' }, text.loginWithPassword()),
        inputNode('oidc', { name: 'provider', type: 'submit', value: 'google' }, text.loginWith('Google & <Co>')),
      ],
      messages: [text.invalidCredentials()],
    };
    const form = renderFlowForm(ui).value;
    assert.match(form, /^<ul class="messages" id="form-messages" role="alert"><li class="message error" data-message-id="4000006">/, 'form-wide messages first');
    assert.match(form, /<button type="submit" name="method" value="password">Sign in with password<\/button>/);
    assert.match(form, /<button type="submit" name="provider" value="google" formnovalidate class="secondary">Sign in with Google &amp; &lt;Co&gt;<\/button>/);
  });

  it('says who is signed in on the welcome page, escaped, with a working logout link', async () => {
    const client = new BrowserClient(server.publicUrl, BASE);
    const anonymous = await (await client.get('/ui/welcome')).text();
    assert.match(anonymous, /You are not signed in/);

    const init = await client.get('/self-service/registration/browser');
    const flow = (await (await client.get(`/self-service/registration/flows?id=${flowIdOf(init)}`, 'application/json')).json()) as FlowJson;
    await client.postForm(`/self-service/registration?flow=${flow.id}`, { csrf_token: csrfOf(flow), 'traits.email': 'welcome@example.org', 'traits.name': HOSTILE, password: 'a long passphrase 42', method: 'password' });
    const page = await (await client.get('/ui/welcome')).text();
    assert.match(page, /<dd data-trait="email">welcome@example.org<\/dd>/);
    assert.ok(page.includes(`<dd data-trait="name">${escapeHtml(HOSTILE)}</dd>`));
    const logoutHref = /<a href="([^"]+)" id="logout">/.exec(page)?.[1]?.replaceAll('&amp;', '&');
    assert.ok(logoutHref);
    const logout = await client.get(logoutHref);
    assert.equal(logout.status, 303);
    assert.match(await (await client.get('/ui/welcome')).text(), /You are not signed in/);
  });

  it('explains known error ids on the error page and never echoes unknown ones', async () => {
    const client = new BrowserClient(server.publicUrl, BASE);
    const known = await (await client.get('/ui/error?id=security_csrf_violation')).text();
    assert.match(known, /another site/);
    const unknown = await (await client.get(`/ui/error?id=${encodeURIComponent(HOSTILE)}`)).text();
    assert.ok(!unknown.includes('<script>alert'));
    assert.match(unknown, /An error occurred/);
  });
});
