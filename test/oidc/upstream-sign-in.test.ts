// test-stores: both
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { jsonOf } from '../helpers/http.js';
import { CIPHER_SECRET, startOidcScenario, type OidcScenario } from '../helpers/oidc-broker.js';
import { RedirectBrowser } from '../helpers/redirect-browser.js';

/**
 * The whole authorization code flow with PKCE against a real OpenID Provider, driven through HTTP redirects
 * the way a browser follows them: a new upstream subject registers, a returning one logs in, whoami shows the
 * oidc authentication method, and the session is tokenized for PostgREST with a JWT verified against the JWKS.
 */
interface UiNode {
  group: string;
  attributes: { name: string; type: string; value?: unknown };
  meta: { label?: { id: number; text: string; context?: Record<string, unknown> } };
}

async function loginFlowOf(browser: RedirectBrowser, base: string, kind: 'login' | 'registration' = 'login'): Promise<{ id: string; nodes: UiNode[]; csrf: string }> {
  const landed = await browser.navigate(`${base}self-service/${kind}/browser`);
  assert.equal(landed.response.status, 200);
  const id = new URL(landed.url).searchParams.get('flow');
  assert.ok(id, `landed on the ${kind} page with a flow: ${landed.url}`);
  const flow = await jsonOf(await browser.request(`${base}self-service/${kind}/flows?id=${id}`, { headers: { accept: 'application/json' } }));
  const nodes = (flow.ui as { nodes: UiNode[] }).nodes;
  return { id, nodes, csrf: String(nodes.find((n) => n.attributes.name === 'csrf_token')?.attributes.value) };
}

describe('upstream sign-in through a real OpenID Provider (headless)', { timeout: 120_000 }, () => {
  let scenario: OidcScenario;
  before(async () => {
    scenario = await startOidcScenario();
    scenario.op.accounts.set('alice', { email: 'Alice@Example.org', email_verified: true, name: 'Alice Liddell' });
  });
  after(async () => {
    await scenario?.close();
  });

  let identityId = '';

  it('shows the provider as a button on login and registration flows', async () => {
    const browser = new RedirectBrowser();
    const login = await loginFlowOf(browser, scenario.base);
    const button = login.nodes.find((n) => n.group === 'oidc');
    assert.deepEqual(button?.attributes, { name: 'provider', type: 'submit', value: 'test-op', disabled: false, node_type: 'input' });
    assert.deepEqual(button?.meta.label, { id: 1010002, text: 'Sign in with Test OP', type: 'info', context: { provider: 'Test OP', provider_id: 'test-op' } });
    const registration = await loginFlowOf(browser, scenario.base, 'registration');
    assert.equal(registration.nodes.find((n) => n.group === 'oidc')?.meta.label?.id, 1040002);

    const page = await (await browser.request(`${scenario.base}ui/login?flow=${login.id}`)).text();
    assert.match(page, /<button type="submit" name="provider" value="test-op" formnovalidate class="secondary">Sign in with Test OP<\/button>/);
  });

  it('checks the CSRF token of a provider submit (Kratos does not), before anything is written', async () => {
    const browser = new RedirectBrowser();
    const { id } = await loginFlowOf(browser, scenario.base);
    for (const csrf_token of ['forged', '']) {
      const forged = await browser.request(`${scenario.base}self-service/login?flow=${id}`, {
        method: 'POST',
        headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ provider: 'test-op', csrf_token }).toString(),
      });
      assert.equal(forged.status, 403);
      assert.equal(((await jsonOf(forged)).error as { id: string }).id, 'security_csrf_violation');
      assert.equal(forged.headers.getSetCookie().some((c) => c.startsWith('ory_kratos_continuity=')), false);
    }
    const flow = await scenario.server.runtime.deps.store.getFlow(id);
    assert.equal(flow?.internalContext.oidc_pending, undefined, 'no pending sign-in was started');
  });

  it('registers a new subject: PKCE S256, nonce, state and continuity cookie, then a session with the mapped traits', async () => {
    const browser = new RedirectBrowser();
    const { id, csrf } = await loginFlowOf(browser, scenario.base);
    scenario.op.nextLogin = { sub: 'alice' };
    const submit = await browser.postForm(`${scenario.base}self-service/login?flow=${id}`, { provider: 'test-op', csrf_token: csrf, identifier: '', password: '' });
    assert.equal(submit.status, 303);
    const authorize = new URL(submit.headers.get('location') ?? '');
    assert.equal(authorize.origin, scenario.op.issuer);
    assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
    assert.match(authorize.searchParams.get('code_challenge') ?? '', /^[A-Za-z0-9_-]{43}$/);
    assert.ok(authorize.searchParams.get('nonce'));
    assert.equal(authorize.searchParams.get('redirect_uri'), scenario.callbackUrl('test-op'));
    assert.equal(authorize.searchParams.get('scope'), 'openid email profile');
    assert.equal(authorize.searchParams.get('state')?.split('.')[0], id);
    const continuity = submit.headers.getSetCookie().find((c) => c.startsWith('ory_kratos_continuity='));
    assert.match(continuity ?? '', /HttpOnly/);
    assert.match(continuity ?? '', /SameSite=Lax/);

    const done = await browser.follow(`${scenario.base}self-service/login?flow=${id}`, submit);
    assert.equal(done.url, `${scenario.base}ui/welcome`, JSON.stringify(done.hops));
    assert.ok(done.hops.some((h) => h.url.startsWith(`${scenario.callbackUrl('test-op')}?code=`)), 'came back through the callback');

    const whoami = await jsonOf(await browser.request(`${scenario.base}sessions/whoami`, { headers: { accept: 'application/json' } }));
    const identity = whoami.identity as { id: string; traits: Record<string, unknown>; verifiable_addresses: Array<{ value: string; verified: boolean; status: string }> };
    assert.deepEqual(identity.traits, { email: 'Alice@Example.org', name: 'Alice Liddell' });
    assert.deepEqual(identity.verifiable_addresses.map((a) => [a.value, a.verified, a.status]), [['alice@example.org', true, 'completed']]);
    const methods = whoami.authentication_methods as Array<Record<string, unknown>>;
    assert.equal(methods.length, 1);
    assert.equal(methods[0]?.method, 'oidc');
    assert.equal(methods[0]?.provider, 'test-op');
    assert.equal(methods[0]?.aal, 'aal1');
    identityId = identity.id;
  });

  it('keeps the credential as Kratos does, tokens encrypted at rest and declassified for admins', async () => {
    const stored = await scenario.server.runtime.deps.store.getIdentity(identityId, { withCredentials: true });
    const oidc = stored?.credentials?.find((c) => c.type === 'oidc');
    assert.deepEqual(oidc?.identifiers, ['test-op:alice']);
    const [link] = (oidc?.config.providers ?? []) as Array<Record<string, string>>;
    assert.equal(link?.subject, 'alice');
    assert.equal(link?.provider, 'test-op');
    assert.match(link?.initial_id_token ?? '', /^[0-9a-f]+$/, 'hex ciphertext');
    assert.ok(!(link?.initial_id_token ?? '').includes('eyJ'), 'never the plain JWT');
    assert.deepEqual(stored?.credentials?.find((c) => c.type === 'password')?.identifiers, ['alice@example.org'], 'the email is held as a password identifier, without a password');

    const admin = await jsonOf(await fetch(`${scenario.server.adminUrl}/admin/identities/${identityId}?include_credential=oidc`));
    const config = (admin.credentials as Record<string, { config: { providers: Array<Record<string, string>> } }>).oidc?.config;
    const idToken = config?.providers[0]?.initial_id_token ?? '';
    assert.equal(idToken.split('.').length, 3, 'decrypted for the admin');
    assert.equal(JSON.parse(Buffer.from(idToken.split('.')[1] ?? '', 'base64url').toString()).sub, 'alice');
    assert.equal(CIPHER_SECRET.length, 32);
  });

  it('logs a returning subject in, also from a registration flow, and tokenizes the session for PostgREST', async () => {
    for (const kind of ['login', 'registration'] as const) {
      const browser = new RedirectBrowser();
      const { id, csrf } = await loginFlowOf(browser, scenario.base, kind);
      const submit = await browser.postForm(`${scenario.base}self-service/${kind}?flow=${id}`, { csrf_token: csrf, provider: 'test-op' });
      const done = await browser.follow(`${scenario.base}self-service/${kind}?flow=${id}`, submit);
      assert.equal(done.url, `${scenario.base}ui/welcome`, `${kind}: ${JSON.stringify(done.hops)}`);
      const whoami = await jsonOf(await browser.request(`${scenario.base}sessions/whoami?tokenize_as=postgrest`, { headers: { accept: 'application/json' } }));
      assert.equal((whoami.identity as { id: string }).id, identityId, `${kind}: the same identity`);
      const { payload } = await jwtVerify(whoami.tokenized as string, createRemoteJWKSet(new URL(`${scenario.base}.well-known/jwks.json`)), { algorithms: ['EdDSA'], issuer: scenario.base });
      assert.equal(payload.sub, identityId);
      assert.equal(payload.role, 'authenticated');
      assert.equal(payload.email, 'Alice@Example.org');
      assert.deepEqual(payload.amr, ['oidc']);
      assert.equal(payload.idp, 'test-op');
    }
    const identities = await scenario.server.runtime.deps.store.listIdentities({ pageSize: 10 });
    assert.equal(identities.length, 1, 'no second identity');
  });

  it('answers a JSON (SPA) submit with 422 browser_location_change_required', async () => {
    const browser = new RedirectBrowser();
    const { id, csrf } = await loginFlowOf(browser, scenario.base);
    const response = await browser.request(`${scenario.base}self-service/login?flow=${id}`, {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/json', 'x-csrf-token': csrf },
      body: JSON.stringify({ method: 'oidc', provider: 'test-op' }),
    });
    assert.equal(response.status, 422);
    assert.equal(response.headers.get('ory-error-id'), 'browser_location_change_required');
    const body = await jsonOf(response);
    const url = body.redirect_browser_to as string;
    assert.ok(url.startsWith(`${scenario.op.issuer}/auth?`));
    assert.deepEqual(body, {
      error: { id: 'browser_location_change_required', code: 422, status: 'Unprocessable Entity', reason: `In order to complete this flow please redirect the browser to: ${url}`, message: 'browser location change required' },
      redirect_browser_to: url,
    });
    // The SPA sets window.location: the navigation completes like a form post's.
    const done = await browser.navigate(url);
    assert.equal(done.url, `${scenario.base}ui/welcome`);
  });

  it('refuses an unknown provider with 404', async () => {
    const browser = new RedirectBrowser();
    const { id, csrf } = await loginFlowOf(browser, scenario.base);
    const response = await browser.request(`${scenario.base}self-service/login?flow=${id}`, {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/json' },
      body: JSON.stringify({ provider: 'nope', csrf_token: csrf }),
    });
    assert.equal(response.status, 404);
    assert.equal(((await jsonOf(response)).error as { reason: string }).reason, 'OpenID Connect Provider "nope" is unknown or has not been configured');
  });

  it('answers a form_post callback with 302 to the GET, fields moved into the query (as Kratos)', async () => {
    const response = await fetch(scenario.callbackUrl('test-op'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ code: 'abc', state: 'xyz' }).toString(),
      redirect: 'manual',
    });
    assert.equal(response.status, 302);
    assert.equal(response.headers.get('location'), `${scenario.callbackUrl('test-op')}?code=abc&state=xyz`);
  });
});
