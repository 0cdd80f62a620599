// test-stores: both
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { jsonOf } from '../helpers/http.js';
import { genericProvider, startBrowserFlow, startOidcScenario, templatePath, type OidcScenario } from '../helpers/oidc-broker.js';
import { RedirectBrowser } from '../helpers/redirect-browser.js';

/**
 * Provider kinds other than `generic`, each through its own code path against a local provider: google, auth0
 * and microsoft with `issuer_url` pointed at the local OP (their real issuers are the default), and github
 * against an OP dressed as GitHub Enterprise Server (plain OAuth 2.0 plus the REST API).
 */
const RAW_CLAIM_NAMES = `base64://${Buffer.from("local c = std.extVar('claims'); { identity: { traits: { email: c.email }, metadata_public: { sub: c.sub, raw: std.objectFields(std.get(c, 'raw_claims', {})) } } }").toString('base64')}`;

async function signIn(scenario: OidcScenario, provider: string, sub: string): Promise<{ authorize: URL; whoami: Record<string, unknown> }> {
  scenario.op.nextLogin = { sub };
  const browser = new RedirectBrowser();
  const { id: flowId, csrf } = await startBrowserFlow(browser, scenario.base, 'registration');
  const submit = await browser.postForm(`${scenario.base}self-service/registration?flow=${flowId}`, { csrf_token: csrf, provider });
  assert.equal(submit.status, 303);
  const authorize = new URL(submit.headers.get('location') ?? '');
  const done = await browser.follow(`${scenario.base}self-service/registration?flow=${flowId}`, submit);
  assert.equal(done.url, `${scenario.base}ui/welcome`, JSON.stringify(done.hops));
  const whoami = await jsonOf(await browser.request(`${scenario.base}sessions/whoami`, { headers: { accept: 'application/json' } }));
  return { authorize, whoami };
}

describe('provider kinds google, auth0 and microsoft (OpenID Connect)', { timeout: 120_000 }, () => {
  let scenario: OidcScenario;
  before(async () => {
    scenario = await startOidcScenario({
      providers: (issuer) => [
        genericProvider(issuer, { id: 'google', provider: 'google', label: 'Google', scope: ['email', 'profile', 'offline_access'], mapper_url: templatePath('oidc/google.jsonnet') }),
        genericProvider(issuer, { id: 'auth0', provider: 'auth0', label: 'Auth0', mapper_url: RAW_CLAIM_NAMES }),
        genericProvider(issuer, { id: 'id-token', mapper_url: RAW_CLAIM_NAMES }),
        genericProvider(issuer, { id: 'entra', provider: 'microsoft', label: 'Microsoft', microsoft_tenant: 'organizations', subject_source: 'oid', mapper_url: RAW_CLAIM_NAMES }),
      ],
    });
    scenario.op.accounts.set('g-1', { email: 'g@example.org', email_verified: true, name: 'Gee' });
    scenario.op.accounts.set('a-1', { email: 'a@example.org', email_verified: true });
    scenario.op.accounts.set('i-1', { email: 'i@example.org', email_verified: true });
    scenario.op.accounts.set('m-pairwise', { email: 'm@example.org', email_verified: true, oid: 'entra-object-id-1' });
  });
  after(async () => {
    await scenario?.close();
  });

  it('google: openid added, offline_access sent as access_type=offline, claims from the ID token', async () => {
    const { authorize, whoami } = await signIn(scenario, 'google', 'g-1');
    assert.equal(authorize.searchParams.get('scope'), 'openid email profile');
    assert.equal(authorize.searchParams.get('access_type'), 'offline');
    assert.deepEqual((whoami.identity as { traits: unknown }).traits, { email: 'g@example.org', name: 'Gee' });
    assert.equal((whoami.authentication_methods as Array<{ provider: string }>)[0]?.provider, 'google');
  });

  it('auth0: claims come from userinfo (no ID token members like aud in raw_claims), the ID token still verified', async () => {
    const userinfo = await signIn(scenario, 'auth0', 'a-1');
    const raw = ((userinfo.whoami.identity as { metadata_public: { raw: string[] } }).metadata_public).raw;
    assert.ok(raw.includes('email') && raw.includes('sub'));
    assert.equal(raw.includes('aud'), false, `userinfo, not the ID token: ${raw.join(',')}`);

    const idToken = await signIn(scenario, 'id-token', 'i-1');
    const idRaw = ((idToken.whoami.identity as { metadata_public: { raw: string[] } }).metadata_public).raw;
    assert.ok(idRaw.includes('aud') && idRaw.includes('nonce'), 'generic reads the verified ID token by default');
  });

  it('microsoft: subject_source oid makes the identifier the object id', async () => {
    const { whoami } = await signIn(scenario, 'entra', 'm-pairwise');
    assert.equal((whoami.identity as { metadata_public: { sub: string } }).metadata_public.sub, 'entra-object-id-1');
    const identity = await scenario.server.runtime.deps.store.findIdentityByCredentialIdentifier('oidc', 'entra:entra-object-id-1');
    assert.equal(identity?.id, (whoami.identity as { id: string }).id);
  });
});

describe('provider kind github (OAuth 2.0 and the REST API)', { timeout: 120_000 }, () => {
  let scenario: OidcScenario;
  before(async () => {
    scenario = await startOidcScenario({
      op: { style: 'github', tokenEndpointAuthMethod: 'client_secret_post' },
      providers: (issuer) => [
        { id: 'github', provider: 'github', label: 'GitHub', client_id: 'broker', client_secret: 'broker-secret', issuer_url: issuer, scope: ['user:email'], mapper_url: templatePath('oidc/github.jsonnet') },
        { id: 'github-pkce', provider: 'github', client_id: 'broker', client_secret: 'broker-secret', issuer_url: issuer, scope: ['read:user'], pkce: 'force', mapper_url: templatePath('oidc/github.jsonnet') },
      ],
    });
    scenario.op.accounts.set('4242', {
      login: 'octocat',
      name: 'Octo Cat',
      emails: [
        { email: 'secondary@example.org', primary: false, verified: true },
        { email: 'octo@example.org', primary: true, verified: true },
      ],
    });
    scenario.op.accounts.set('77', { login: 'private', emails: [{ email: 'private@example.org', primary: true, verified: true }] });
  });
  after(async () => {
    await scenario?.close();
  });

  it('reads the user and the verified primary email from the API; no PKCE unless forced', async () => {
    const { authorize, whoami } = await signIn(scenario, 'github', '4242');
    assert.equal(new URL(authorize.origin + authorize.pathname).pathname, '/login/oauth/authorize');
    assert.equal(authorize.searchParams.get('scope'), 'user:email');
    assert.equal(authorize.searchParams.get('code_challenge'), null, 'auto: GitHub advertises nothing');
    assert.equal(authorize.searchParams.get('nonce'), null, 'no ID token, so no nonce');
    const identity = whoami.identity as { id: string; traits: unknown; metadata_public: unknown };
    assert.deepEqual(identity.traits, { email: 'octo@example.org', name: 'Octo Cat' });
    assert.deepEqual(identity.metadata_public, { github_login: 'octocat' });
    assert.equal((await scenario.server.runtime.deps.store.findIdentityByCredentialIdentifier('oidc', 'github:4242'))?.id, identity.id);
  });

  it('without user:email there is no email, so the user is asked for one; pkce: force sends S256', async () => {
    scenario.op.nextLogin = { sub: '77' };
    const browser = new RedirectBrowser();
    const { id: flowId, csrf } = await startBrowserFlow(browser, scenario.base, 'registration');
    const submit = await browser.postForm(`${scenario.base}self-service/registration?flow=${flowId}`, { csrf_token: csrf, provider: 'github-pkce' });
    assert.equal(new URL(submit.headers.get('location') ?? '').searchParams.get('code_challenge_method'), 'S256');
    const done = await browser.follow(`${scenario.base}self-service/registration?flow=${flowId}`, submit);
    assert.equal(new URL(done.url).pathname, '/ui/registration');
    const flow = await jsonOf(await browser.request(`${scenario.base}self-service/registration/flows?id=${flowId}`, { headers: { accept: 'application/json' } }));
    const nodes = (flow.ui as { nodes: Array<{ attributes: { name: string; value?: unknown }; messages: Array<{ id: number }> }> }).nodes;
    assert.deepEqual(nodes.find((n) => n.attributes.name === 'traits.email')?.messages.map((m) => m.id), [4000002]);
    assert.equal(nodes.find((n) => n.attributes.name === 'traits.name')?.attributes.value, 'private', 'the login stands in for a missing name');
  });
});
