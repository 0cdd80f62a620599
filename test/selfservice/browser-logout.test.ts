// test-stores: both
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hashToken } from '../../src/session/session-token.js';
import { BrowserClient, csrfOf, flowIdOf, type FlowJson } from '../helpers/browser-client.js';
import { mergeDeep, testConfig } from '../helpers/config.js';
import { setCookiesOf } from '../helpers/cookie-jar.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const BASE = 'http://localhost:4433/';
const PASSWORD = 'a long passphrase 42';

describe('browser logout, and the session cookie at whoami', () => {
  let server: TestServer;
  let counter = 0;

  before(async () => {
    const config = testConfig(mergeDeep({}, { selfservice: { allowed_return_urls: ['https://app.example.com/'], flows: { logout: { after: { default_browser_return_url: 'https://app.example.com/bye' } } } } }));
    server = await startTestServer(config);
  });
  after(async () => {
    await server.close();
  });

  async function signedIn(): Promise<BrowserClient> {
    const client = new BrowserClient(server.publicUrl, BASE);
    const init = await client.get('/self-service/registration/browser');
    const flow = (await (await client.get(`/self-service/registration/flows?id=${flowIdOf(init)}`, 'application/json')).json()) as FlowJson;
    const done = await client.postForm(`/self-service/registration?flow=${flow.id}`, { csrf_token: csrfOf(flow), 'traits.email': `logout${++counter}@example.org`, password: PASSWORD, method: 'password' });
    assert.equal(done.status, 303);
    assert.ok(client.jar.get('ory_kratos_session'));
    return client;
  }

  async function logoutFlow(client: BrowserClient, query = ''): Promise<{ logout_token: string; logout_url: string }> {
    const response = await client.get(`/self-service/logout/browser${query}`, 'application/json');
    assert.equal(response.status, 200);
    return (await response.json()) as { logout_token: string; logout_url: string };
  }

  it('answers 401 without a session', async () => {
    const response = await new BrowserClient(server.publicUrl, BASE).get('/self-service/logout/browser', 'application/json');
    assert.equal(response.status, 401);
    assert.equal(((await response.json()) as { error: { code: number } }).error.code, 401);
  });

  it('hands out a stable logout URL for the cookie session, whose token the store knows by hash', async () => {
    const client = await signedIn();
    const first = await logoutFlow(client);
    const second = await logoutFlow(client);
    assert.match(first.logout_token, /^ory_lo_[A-Za-z0-9]{43}$/);
    assert.equal(second.logout_token, first.logout_token, 'every tab gets the same, still valid, URL');
    const url = new URL(first.logout_url);
    assert.equal(`${url.origin}${url.pathname}`, 'http://localhost:4433/self-service/logout');
    assert.equal(url.searchParams.get('token'), first.logout_token);
    const session = await server.runtime.deps.store.findSessionByLogoutTokenHash(hashToken(first.logout_token));
    const whoami = (await (await client.get('/sessions/whoami', 'application/json')).json()) as { id: string };
    assert.equal(session?.id, whoami.id);
  });

  it('ends the session, clears the cookie and redirects to the logout default', async () => {
    const client = await signedIn();
    const sessionCookie = client.jar.get('ory_kratos_session') ?? '';
    const { logout_url } = await logoutFlow(client);
    const response = await client.get(logout_url);
    assert.equal(response.status, 303);
    assert.equal(response.headers.get('location'), 'https://app.example.com/bye');
    const cleared = setCookiesOf(response).find((c) => c.name === 'ory_kratos_session');
    assert.equal(cleared?.value, '');
    assert.equal(cleared?.attributes.get('max-age'), '0');
    assert.equal(client.jar.get('ory_kratos_session'), undefined);
    // The session is revoked server-side, not merely forgotten by the browser.
    const replay = await fetch(`${server.publicUrl}/sessions/whoami`, { headers: { cookie: `ory_kratos_session=${sessionCookie}` } });
    assert.equal(replay.status, 401);
  });

  it('honours an allowed return_to, refuses another, and answers JSON clients with 204', async () => {
    const client = await signedIn();
    const forbidden = await client.get('/self-service/logout/browser?return_to=https://evil.example.net/', 'application/json');
    assert.equal(forbidden.status, 400);
    assert.equal(((await forbidden.json()) as { error: { id: string } }).error.id, 'self_service_flow_return_to_forbidden');

    const { logout_url } = await logoutFlow(client, `?return_to=${encodeURIComponent('https://app.example.com/after')}`);
    assert.equal(new URL(logout_url).searchParams.get('return_to'), 'https://app.example.com/after');
    const evil = new URL(logout_url);
    evil.searchParams.set('return_to', 'https://evil.example.net/');
    const refused = await client.get(evil.href);
    assert.equal(refused.status, 400);
    assert.ok(client.jar.get('ory_kratos_session'), 'a refused logout changes nothing');
    assert.equal((await client.get('/sessions/whoami', 'application/json')).status, 200);

    const json = await client.get(logout_url, 'application/json');
    assert.equal(json.status, 204);
    assert.equal((await client.get('/sessions/whoami', 'application/json')).status, 401);
  });

  it('refuses a logout token that belongs to another session, and keeps both sessions', async () => {
    const alice = await signedIn();
    const bob = await signedIn();
    const { logout_url: bobsUrl } = await logoutFlow(bob);
    const response = await alice.get(bobsUrl, 'application/json');
    assert.equal(response.status, 403);
    assert.match(((await response.json()) as { error: { reason: string } }).error.reason, /does not match the session cookie/);
    assert.equal((await alice.get('/sessions/whoami', 'application/json')).status, 200);
    assert.equal((await bob.get('/sessions/whoami', 'application/json')).status, 200);
  });

  it('ends the session its token names when the link is opened without the cookie, then redirects as usual', async () => {
    const client = await signedIn();
    const sessionCookie = client.jar.get('ory_kratos_session') ?? '';
    const { logout_url } = await logoutFlow(client, `?return_to=${encodeURIComponent('https://app.example.com/after')}`);
    const elsewhere = new BrowserClient(server.publicUrl, BASE);
    const response = await elsewhere.get(logout_url);
    assert.equal(response.status, 303);
    assert.equal(response.headers.get('location'), 'https://app.example.com/after');
    assert.equal(setCookiesOf(response).find((c) => c.name === 'ory_kratos_session')?.value, '');
    assert.equal((await client.get('/sessions/whoami', 'application/json')).status, 401, 'the browser that still has the cookie is signed out');
    const replay = await fetch(`${server.publicUrl}/sessions/whoami`, { headers: { cookie: `ory_kratos_session=${sessionCookie}` } });
    assert.equal(replay.status, 401);

    // Opened again, or with a token nobody was given: nothing to end, same redirect.
    assert.equal((await elsewhere.get(logout_url)).status, 303);
    const unknown = new URL(logout_url);
    unknown.searchParams.set('token', 'ory_lo_0000000000000000000000000000000000000000000');
    assert.equal((await elsewhere.get(unknown.href, 'application/json')).status, 204);
  });

  it('without the cookie still checks return_to before ending anything, and a stale cookie does not protect the named session', async () => {
    const client = await signedIn();
    const { logout_url } = await logoutFlow(client);
    const evil = new URL(logout_url);
    evil.searchParams.set('return_to', 'https://evil.example.net/');
    const refused = await new BrowserClient(server.publicUrl, BASE).get(evil.href);
    assert.equal(refused.status, 400);
    assert.equal((await client.get('/sessions/whoami', 'application/json')).status, 200, 'a refused logout ends nothing');

    // A cookie whose session has ended is no live session: the token decides, as without a cookie.
    const other = await signedIn();
    const staleCookie = `ory_kratos_session=${other.jar.get('ory_kratos_session') ?? ''}`;
    const { logout_url: othersUrl } = await logoutFlow(other);
    assert.equal((await other.get(othersUrl)).status, 303);
    assert.equal((await fetch(`${server.publicUrl}/sessions/whoami`, { headers: { cookie: staleCookie } })).status, 401, 'the cookie is stale now');
    const withStale = await fetch(`${server.publicUrl}${new URL(logout_url).pathname}${new URL(logout_url).search}`, { headers: { cookie: staleCookie, accept: 'application/json' }, redirect: 'manual' });
    assert.equal(withStale.status, 204);
    assert.equal((await client.get('/sessions/whoami', 'application/json')).status, 401);
  });

  it('requires the token parameter', async () => {
    const client = await signedIn();
    const response = await client.get('/self-service/logout', 'application/json');
    assert.equal(response.status, 400);
  });

  it('accepts the session cookie at whoami and for tokenize_as', async () => {
    const client = await signedIn();
    const whoami = await client.get('/sessions/whoami', 'application/json');
    assert.equal(whoami.status, 200);
    assert.ok(whoami.headers.get('x-kratos-authenticated-identity-id'));
    // The tokenizer is built on another branch: without it, a cookie session gets past authentication and is
    // refused for the unknown template (400), while no session is a 401 before the template is even looked at.
    const tokenize = await client.get('/sessions/whoami?tokenize_as=postgrest', 'application/json');
    assert.equal(tokenize.status, 400);
    assert.match(((await tokenize.json()) as { error: { reason: string } }).error.reason, /tokenizer template "postgrest"/);
    const anonymous = await fetch(`${server.publicUrl}/sessions/whoami?tokenize_as=postgrest`);
    assert.equal(anonymous.status, 401);
  });
});
