// test-stores: both
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { jsonOf, registerViaApi, uiMessageIds } from '../helpers/http.js';
import { flowCsrfToken, startBrowserFlow, startOidcScenario, type OidcScenario } from '../helpers/oidc-broker.js';
import { RedirectBrowser } from '../helpers/redirect-browser.js';

/**
 * Races on the upstream sign-in path, with truly concurrent HTTP requests against a real OpenID Provider:
 * - two redemptions of the same token-exchange codes yield exactly one session (and commit an account link once);
 * - two callbacks with the same state: exactly one proceeds, and only it talks to the provider;
 * - an account link commits only the new credential, so an admin's change of the identity made meanwhile stays.
 * The file runs on both stores (TEST_DSN_DIALECT), where the compare-and-sets are SQL.
 */
const APP_RETURN = 'com.example.app://callback';

describe('races on upstream sign-in (real OP, concurrent requests)', { timeout: 240_000 }, () => {
  let scenario: OidcScenario;
  before(async () => {
    // Real argon2 parameters: a password check takes long enough for an admin's write to land inside it.
    scenario = await startOidcScenario({ config: { hashers: { argon2: { memory: '64MB', iterations: 3, parallelism: 1 } } } });
    for (const sub of ['racer', 'returning', 'owner-up']) scenario.op.accounts.set(sub, { email: `${sub}@example.org`, email_verified: true, name: sub });
    for (const sub of ['owner-second', 'v3-second']) scenario.op.accounts.set(sub, { name: sub });
  });
  after(async () => {
    await scenario?.close();
  });

  const api = (path: string, init: RequestInit = {}): Promise<Response> => fetch(`${scenario.server.publicUrl}${path}`, init);
  const submitJson = (kind: string, flowId: string, body: unknown): Promise<Response> =>
    api(`/self-service/${kind}?flow=${flowId}`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(body) });
  const sessionsOf = async (identityId: string): Promise<number> => scenario.server.runtime.deps.store.countSessions({ identityId });
  const identityOf = async (oidcIdentifier: string): Promise<string | null> => (await scenario.server.runtime.deps.store.findIdentityByCredentialIdentifier('oidc', oidcIdentifier))?.id ?? null;

  async function untilApp(url: string): Promise<URL> {
    const result = await new RedirectBrowser().navigate(url, (next) => next.protocol === 'com.example.app:');
    assert.ok(result.stoppedAt, `ended at the app: ${JSON.stringify(result.hops)}`);
    return new URL(result.stoppedAt);
  }

  /** A native sign-in up to the point where the app holds both codes. */
  async function nativeSignIn(kind: 'login' | 'registration', sub: string, body: Record<string, unknown> = {}, flow?: { id: string; initCode: string }): Promise<{ flowId: string; initCode: string; back: URL }> {
    const init = flow ?? (await (async () => {
      const json = await jsonOf(await api(`/self-service/${kind}/api?return_session_token_exchange_code=true&return_to=${encodeURIComponent(APP_RETURN)}`));
      return { id: String(json.id), initCode: String(json.session_token_exchange_code) };
    })());
    scenario.op.nextLogin = { sub };
    const submit = await submitJson(kind, init.id, { method: 'oidc', provider: 'test-op', ...body });
    assert.equal(submit.status, 422);
    return { flowId: init.id, initCode: init.initCode, back: await untilApp(String((await jsonOf(submit)).redirect_browser_to)) };
  }

  const redeem = (initCode: string, back: URL): Promise<Response> => api(`/sessions/token-exchange?init_code=${initCode}&return_to_code=${back.searchParams.get('code') ?? ''}`);

  it('two concurrent redemptions of the same codes yield exactly one session', async () => {
    const { initCode, back } = await nativeSignIn('login', 'racer');
    const identityId = (await identityOf('test-op:racer')) ?? '';
    assert.ok(identityId);
    const before = await sessionsOf(identityId);
    const responses = await Promise.all(Array.from({ length: 4 }, () => redeem(initCode, back)));
    assert.deepEqual(responses.map((r) => r.status).sort(), [200, 404, 404, 404]);
    assert.equal(await sessionsOf(identityId), before + 1, 'one session stored');
  });

  it('concurrent redemptions of a confirmed account link: the link is committed once, with one session', async () => {
    // The owner signed up upstream; on a native app she signs up with a second upstream account without an email,
    // types her address, and confirms her account with the first one.
    scenario.op.nextLogin = { sub: 'owner-up' };
    const owner = new RedirectBrowser();
    const { id, csrf } = await startBrowserFlow(owner, scenario.base, 'login');
    await owner.follow(`${scenario.base}self-service/login?flow=${id}`, await owner.postForm(`${scenario.base}self-service/login?flow=${id}`, { csrf_token: csrf, provider: 'test-op' }));
    const ownerId = (await identityOf('test-op:owner-up')) ?? '';
    assert.ok(ownerId);

    const registration = await nativeSignIn('registration', 'owner-second', { traits: { email: 'owner-up@example.org' } });
    const linking = await jsonOf(await redeem(registration.initCode, registration.back));
    assert.deepEqual(uiMessageIds(linking), [1010016]);
    const confirmed = await nativeSignIn('login', 'owner-up', {}, { id: String(linking.id), initCode: registration.initCode });
    assert.equal(await identityOf('test-op:owner-second'), null, 'not linked by the callback');

    const before = await sessionsOf(ownerId);
    const responses = await Promise.all(Array.from({ length: 3 }, () => redeem(confirmed.initCode, confirmed.back)));
    assert.deepEqual(responses.map((r) => r.status).sort(), [200, 404, 404]);
    const winner = await jsonOf(responses.find((r) => r.status === 200) as Response);
    const session = winner.session as { identity: { id: string }; authentication_methods: Array<{ method: string; provider?: string }> };
    assert.equal(session.identity.id, ownerId);
    assert.deepEqual(session.authentication_methods.map((m) => [m.method, m.provider]), [['oidc', 'test-op'], ['oidc', 'test-op']]);
    assert.equal(await identityOf('test-op:owner-second'), ownerId, 'linked at the redemption');
    assert.equal(await sessionsOf(ownerId), before + 1);
    const oidc = (await scenario.server.runtime.deps.store.getIdentity(ownerId, { withCredentials: true }))?.credentials?.find((c) => c.type === 'oidc');
    assert.deepEqual(oidc?.identifiers, ['test-op:owner-second', 'test-op:owner-up']);
    assert.equal((oidc?.config.providers as unknown[]).length, 2);
  });

  it('two concurrent callbacks with the same state: exactly one proceeds, and only it redeems the code upstream', async () => {
    scenario.op.nextLogin = { sub: 'returning' };
    const first = new RedirectBrowser();
    const signUp = await startBrowserFlow(first, scenario.base, 'login');
    await first.follow(`${scenario.base}self-service/login?flow=${signUp.id}`, await first.postForm(`${scenario.base}self-service/login?flow=${signUp.id}`, { csrf_token: signUp.csrf, provider: 'test-op' }));
    const identityId = (await identityOf('test-op:returning')) ?? '';
    assert.ok(identityId);

    const browser = new RedirectBrowser();
    const { id, csrf } = await startBrowserFlow(browser, scenario.base, 'login');
    const submit = await browser.postForm(`${scenario.base}self-service/login?flow=${id}`, { csrf_token: csrf, provider: 'test-op' });
    const upstream = await browser.follow(`${scenario.base}self-service/login?flow=${id}`, submit, (u) => u.href.startsWith(scenario.callbackUrl('test-op')));
    const callback = upstream.stoppedAt ?? '';
    assert.ok(callback);

    const sessionsBefore = await sessionsOf(identityId);
    const tokenRequestsBefore = scenario.op.tokenRequests;
    const responses = await Promise.all([1, 2].map(() => browser.request(callback, { headers: { accept: 'application/json' } })));
    const statuses = responses.map((r) => r.status).sort();
    assert.deepEqual(statuses, [303, 400], 'one proceeds, the other finds the state used');
    const winner = responses.find((r) => r.status === 303) as Response;
    assert.equal(winner.headers.get('location'), `${scenario.base}ui/welcome`);
    const loser = await jsonOf(responses.find((r) => r.status === 400) as Response);
    assert.equal((loser.error as { reason: string }).reason, 'Unable to complete OpenID Connect flow because the state parameter is invalid.');
    assert.equal(scenario.op.tokenRequests - tokenRequestsBefore, 1, 'the code was exchanged once');
    assert.equal(await sessionsOf(identityId), sessionsBefore + 1);
  });

  it('a link commits only the new credential: an admin change made while the password is checked is kept', async () => {
    const password = 'the v3 passphrase, long enough';
    const registered = await registerViaApi(scenario.server.publicUrl, 'v3@example.org', password);
    assert.equal(registered.status, 200);
    const v3 = (registered.body.identity as { id: string }).id;

    // Her browser: a second upstream account without an email, her address typed, so an account-linking flow.
    const browser = new RedirectBrowser();
    const { id, csrf } = await startBrowserFlow(browser, scenario.base, 'registration');
    scenario.op.nextLogin = { sub: 'v3-second' };
    const done = await browser.follow(`${scenario.base}self-service/registration?flow=${id}`, await browser.postForm(`${scenario.base}self-service/registration?flow=${id}`, { csrf_token: csrf, provider: 'test-op', 'traits.email': 'v3@example.org' }));
    const linkingId = new URL(done.url).searchParams.get('flow') ?? '';
    const linkingCsrf = await flowCsrfToken(browser, scenario.base, 'login', linkingId);

    const [proven, adminUpdate] = await Promise.all([
      browser.postForm(`${scenario.base}self-service/login?flow=${linkingId}`, { csrf_token: linkingCsrf, method: 'password', identifier: 'v3@example.org', password }),
      // While the password is being checked (argon2 above), an admin renames her.
      delay(30).then(() =>
        fetch(`${scenario.server.adminUrl}/admin/identities/${v3}`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ schema_id: 'default', state: 'active', traits: { email: 'v3@example.org', name: 'Renamed by an admin' } }),
        }),
      ),
    ]);
    assert.equal(adminUpdate.status, 200);
    assert.equal(proven.status, 303);
    assert.equal(proven.headers.get('location'), `${scenario.base}ui/welcome`);
    const stored = await scenario.server.runtime.deps.store.getIdentity(v3, { withCredentials: true });
    assert.equal(stored?.traits.name, 'Renamed by an admin', "the admin's change is not overwritten by the link");
    assert.equal(await identityOf('test-op:v3-second'), v3, 'and the link is not undone by the admin');
  });
});
