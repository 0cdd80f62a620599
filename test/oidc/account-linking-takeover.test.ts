// test-stores: both
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { jsonOf, registerViaApi, uiMessageIds } from '../helpers/http.js';
import { startOidcScenario, type OidcScenario } from '../helpers/oidc-broker.js';
import { RedirectBrowser } from '../helpers/redirect-browser.js';

/**
 * The account takeover through account linking, reproduced step by step against a real OpenID Provider, and
 * each variant refused. The attacker controls an upstream account and wants it linked to the victim's identity,
 * so that signing in upstream lands in the victim's account:
 *
 * 1. registering upstream with a typed `traits.email` of the victim's address, so that the registration collides
 *    with the victim's account and becomes a pending link (an account-linking login flow, 1010016);
 * 2. confirming that link with the victim's own upstream sign-in: `prompt=none` on the confirmation, then getting
 *    the victim to open the provider URL (API flows: any browser completes the callback), or making the victim's
 *    browser submit the attacker's flow from another site (browser flows);
 * 3. or getting the victim's app (or the victim) to prove the password on the attacker's API linking flow.
 *
 * Every step must fail on its own: typed traits only fill gaps, `prompt=none` and other upstream parameters are
 * refused on linking flows, browser submits are CSRF-checked and bound to the browser that owns the flow, and on
 * API flows nothing that mixes the app's input with a browser's upstream account is written before the app
 * redeems both exchange codes.
 */
const APP_RETURN = 'com.example.app://callback';
const VICTIM_EMAIL = 'victim@example.org';
const VICTIM2_EMAIL = 'victim2@example.org';
const VICTIM2_PASSWORD = 'the victim-two passphrase';

type FlowJson = Record<string, unknown> & { id: string; ui: { messages?: Array<{ id: number; text: string }>; nodes: Array<{ attributes: { name: string; value?: unknown } }> } };

describe('account takeover through account linking is refused (real OP)', { timeout: 240_000 }, () => {
  let scenario: OidcScenario;
  let victimBrowser: RedirectBrowser;
  let victimId = '';

  before(async () => {
    scenario = await startOidcScenario();
    const { accounts } = scenario.op;
    accounts.set('victim-up', { email: VICTIM_EMAIL, email_verified: true, name: 'Victim' });
    accounts.set('mallory-verified', { email: 'mallory@example.org', email_verified: true, name: 'Mallory' });
    // Upstream accounts without an email: the registration asks for one ("Continue"), and a typed one fills the gap.
    for (const sub of ['mallory-a', 'mallory-b', 'mallory-c', 'mallory-d', 'newbie', 'victim2-second']) accounts.set(sub, { name: sub });

    // The victim signed up upstream in her browser, and stays signed in at the provider.
    victimBrowser = new RedirectBrowser();
    scenario.op.nextLogin = { sub: 'victim-up' };
    const { id, csrf } = await browserFlow(victimBrowser, 'login');
    const submit = await victimBrowser.postForm(`${scenario.base}self-service/login?flow=${id}`, { csrf_token: csrf, provider: 'test-op' });
    const done = await victimBrowser.follow(`${scenario.base}self-service/login?flow=${id}`, submit);
    assert.equal(done.url, `${scenario.base}ui/welcome`, JSON.stringify(done.hops));
    victimId = (await identityOf('test-op:victim-up')) ?? '';
    assert.ok(victimId);
    assert.equal((await registerViaApi(scenario.server.publicUrl, VICTIM2_EMAIL, VICTIM2_PASSWORD)).status, 200);
  });
  after(async () => {
    await scenario?.close();
  });

  const api = (path: string, init: RequestInit = {}): Promise<Response> => fetch(`${scenario.server.publicUrl}${path}`, init);
  const submitJson = (kind: string, flowId: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> =>
    api(`/self-service/${kind}?flow=${flowId}`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json', ...headers }, body: JSON.stringify(body) });
  const identityOf = async (oidcIdentifier: string): Promise<string | null> => (await scenario.server.runtime.deps.store.findIdentityByCredentialIdentifier('oidc', oidcIdentifier))?.id ?? null;

  async function browserFlow(browser: RedirectBrowser, kind: 'login' | 'registration'): Promise<{ id: string; csrf: string }> {
    const landed = await browser.navigate(`${scenario.base}self-service/${kind}/browser`);
    const id = new URL(landed.url).searchParams.get('flow') ?? '';
    return { id, csrf: await csrfOf(browser, kind, id) };
  }

  async function csrfOf(browser: RedirectBrowser, kind: 'login' | 'registration', id: string): Promise<string> {
    const flow = (await jsonOf(await browser.request(`${scenario.base}self-service/${kind}/flows?id=${id}`, { headers: { accept: 'application/json' } }))) as FlowJson;
    return String(flow.ui.nodes.find((n) => n.attributes.name === 'csrf_token')?.attributes.value ?? '');
  }

  /** A native app's API flow with the session token exchange. */
  async function nativeFlow(kind: 'login' | 'registration'): Promise<{ id: string; initCode: string }> {
    const init = await jsonOf(await api(`/self-service/${kind}/api?return_session_token_exchange_code=true&return_to=${encodeURIComponent(APP_RETURN)}`));
    return { id: String(init.id), initCode: String(init.session_token_exchange_code) };
  }

  /** Opens a provider URL in `browser` and follows it until the app's URL scheme, which only an app handles. */
  async function untilApp(browser: RedirectBrowser, url: string): Promise<URL> {
    const result = await browser.navigate(url, (next) => next.protocol === 'com.example.app:');
    assert.ok(result.stoppedAt, `ended at the app: ${JSON.stringify(result.hops)}`);
    return new URL(result.stoppedAt);
  }

  /**
   * The attacker's native app registers `upstreamSub` (an upstream account without an email) typing the
   * victim's address: the registration collides with the victim's account, and the app gets the
   * account-linking login flow through its exchange.
   */
  async function attackersApiLinkingFlow(upstreamSub: string, typedEmail: string): Promise<{ id: string; initCode: string }> {
    const { id, initCode } = await nativeFlow('registration');
    scenario.op.nextLogin = { sub: upstreamSub };
    const submit = await submitJson('registration', id, { method: 'oidc', provider: 'test-op', traits: { email: typedEmail } });
    assert.equal(submit.status, 422);
    const back = await untilApp(new RedirectBrowser(), String((await jsonOf(submit)).redirect_browser_to));
    const exchanged = await api(`/sessions/token-exchange?init_code=${initCode}&return_to_code=${back.searchParams.get('code') ?? ''}`);
    assert.equal(exchanged.status, 422);
    const linking = (await jsonOf(exchanged)) as FlowJson;
    assert.deepEqual(uiMessageIds(linking), [1010016], 'an account-linking flow for the victim');
    assert.equal(back.searchParams.get('flow'), linking.id);
    return { id: linking.id, initCode };
  }

  /** The same in the attacker's own browser: the account-linking flow belongs to that browser. */
  async function attackersBrowserLinkingFlow(attacker: RedirectBrowser, upstreamSub: string, typedEmail: string): Promise<string> {
    const { id, csrf } = await browserFlow(attacker, 'registration');
    scenario.op.nextLogin = { sub: upstreamSub };
    const submit = await attacker.postForm(`${scenario.base}self-service/registration?flow=${id}`, { csrf_token: csrf, provider: 'test-op', 'traits.email': typedEmail });
    const done = await attacker.follow(`${scenario.base}self-service/registration?flow=${id}`, submit);
    const landed = new URL(done.url);
    assert.equal(landed.pathname, '/ui/login', JSON.stringify(done.hops));
    return landed.searchParams.get('flow') ?? '';
  }

  it('never lets typed traits override the email the provider verified', async () => {
    const attacker = new RedirectBrowser();
    const { id, csrf } = await browserFlow(attacker, 'registration');
    scenario.op.nextLogin = { sub: 'mallory-verified' };
    const submit = await attacker.postForm(`${scenario.base}self-service/registration?flow=${id}`, { csrf_token: csrf, provider: 'test-op', 'traits.email': VICTIM_EMAIL, 'traits.name': 'Typed name' });
    const done = await attacker.follow(`${scenario.base}self-service/registration?flow=${id}`, submit);
    assert.equal(done.url, `${scenario.base}ui/welcome`, `no account-linking flow for the victim's address: ${JSON.stringify(done.hops)}`);
    const whoami = await jsonOf(await attacker.request(`${scenario.base}sessions/whoami`, { headers: { accept: 'application/json' } }));
    const identity = whoami.identity as { id: string; traits: Record<string, unknown>; verifiable_addresses: Array<{ value: string; verified: boolean }> };
    assert.deepEqual(identity.traits, { email: 'mallory@example.org', name: 'Mallory' }, 'the mapper wins over typed values');
    assert.deepEqual(identity.verifiable_addresses.map((a) => [a.value, a.verified]), [['mallory@example.org', true]]);
    assert.notEqual(identity.id, victimId);
  });

  it('API variant: prompt=none is refused, and a victim completing the confirmation in her browser links nothing', async () => {
    const linking = await attackersApiLinkingFlow('mallory-a', VICTIM_EMAIL);

    const silent = await submitJson('login', linking.id, { method: 'oidc', provider: 'test-op', upstream_parameters: { prompt: 'none' } });
    assert.equal(silent.status, 400, 'a silent confirmation is refused');
    const refused = (await jsonOf(silent)) as FlowJson;
    assert.deepEqual(uiMessageIds(refused), [4000001]);
    assert.match(refused.ui.messages?.[0]?.text ?? '', /upstream_parameters/);
    for (const upstream_parameters of [{ prompt: 'consent' }, { acr_values: 'x' }, { hd: 'example.org' }]) {
      assert.equal((await submitJson('login', linking.id, { method: 'oidc', provider: 'test-op', upstream_parameters })).status, 400, JSON.stringify(upstream_parameters));
    }

    const submit = await submitJson('login', linking.id, { method: 'oidc', provider: 'test-op' });
    assert.equal(submit.status, 422);
    const url = new URL(String((await jsonOf(submit)).redirect_browser_to));
    assert.equal(url.searchParams.get('prompt'), 'login', 'a confirmation always signs in anew upstream');

    // The victim opens the URL; she is signed in at the provider and signs in as herself.
    scenario.op.nextLogin = { sub: 'victim-up' };
    const back = await untilApp(victimBrowser, url.href);
    assert.equal(await identityOf('test-op:mallory-a'), null, 'nothing is linked by a callback of an API flow');

    // The attacker holds the init code, not the return_to code that went to the victim's device.
    const guessed = await api(`/sessions/token-exchange?init_code=${linking.initCode}&return_to_code=${'A'.repeat(64)}`);
    assert.equal(guessed.status, 404);
    assert.equal(await identityOf('test-op:mallory-a'), null);
    assert.ok(back.searchParams.get('code'));

    // Signing in upstream as the attacker does not land in the victim's account.
    const attacker = new RedirectBrowser();
    scenario.op.nextLogin = { sub: 'mallory-a' };
    const { id, csrf } = await browserFlow(attacker, 'login');
    const again = await attacker.postForm(`${scenario.base}self-service/login?flow=${id}`, { csrf_token: csrf, provider: 'test-op' });
    await attacker.follow(`${scenario.base}self-service/login?flow=${id}`, again);
    const whoami = await attacker.request(`${scenario.base}sessions/whoami`, { headers: { accept: 'application/json' } });
    if (whoami.status === 200) assert.notEqual(((await jsonOf(whoami)).identity as { id: string }).id, victimId);
  });

  it('API variant: the password confirmation links only for the app holding the init code', async () => {
    const linking = await attackersApiLinkingFlow('victim2-second', VICTIM2_EMAIL);
    const proof = { method: 'password', identifier: VICTIM2_EMAIL, password: VICTIM2_PASSWORD };

    // Another app (the victim's, fed the flow id through a deep link) proves the password on this flow.
    const foreign = await submitJson('login', linking.id, proof);
    assert.equal(foreign.status, 400);
    const flow = (await jsonOf(foreign)) as FlowJson;
    assert.match(flow.ui.messages?.[0]?.text ?? '', /session_token_exchange_code/);
    assert.equal(await identityOf('test-op:victim2-second'), null, 'nothing linked');
    const wrongCode = await submitJson('login', linking.id, { ...proof, session_token_exchange_code: `${linking.initCode.slice(0, 32)}${'x'.repeat(32)}` });
    assert.equal(wrongCode.status, 400);
    assert.equal(await identityOf('test-op:victim2-second'), null, 'nothing linked');

    // The app that started the flow (and so holds its init code) completes the link, in the body or a header.
    const holder = await submitJson('login', linking.id, proof, { 'x-session-token-exchange-code': linking.initCode });
    assert.equal(holder.status, 200);
    const session = (await jsonOf(holder)).session as { identity: { id: string }; authentication_methods: Array<{ method: string; provider?: string }> };
    assert.deepEqual(session.authentication_methods.map((m) => [m.method, m.provider]), [['password', undefined], ['oidc', 'test-op']]);
    assert.equal(await identityOf('test-op:victim2-second'), session.identity.id);
  });

  it('API variant: traits the app typed are not written into the account of whoever completes the sign-in', async () => {
    const { id, initCode } = await nativeFlow('registration');
    const submit = await submitJson('registration', id, { method: 'oidc', provider: 'test-op', traits: { email: 'planted@attacker.example' } });
    assert.equal(submit.status, 422);
    // A newcomer opens the attacker's URL: her upstream account has no email, the attacker's typed one would fill it.
    scenario.op.nextLogin = { sub: 'newbie' };
    const back = await untilApp(new RedirectBrowser(), String((await jsonOf(submit)).redirect_browser_to));
    assert.ok(back.searchParams.get('code'));
    assert.equal(await identityOf('test-op:newbie'), null, 'no identity until the app redeems both codes');
    const guessed = await api(`/sessions/token-exchange?init_code=${initCode}&return_to_code=${'B'.repeat(64)}`);
    assert.equal(guessed.status, 404);
    assert.equal(await identityOf('test-op:newbie'), null);
    assert.equal((await scenario.server.runtime.deps.store.findIdentityByCredentialIdentifier('password', 'planted@attacker.example')), null);
  });

  it('browser variant: a form auto-submitted from another site cannot start the confirmation on the attacker\'s flow', async () => {
    const attacker = new RedirectBrowser();
    const linkingId = await attackersBrowserLinkingFlow(attacker, 'mallory-c', VICTIM_EMAIL);

    // The victim visits the attacker's page, which posts the attacker's flow: no Tessera cookie comes along.
    scenario.op.nextLogin = { sub: 'victim-up' };
    const crossSite = await victimBrowser.postFormFromOtherSite(`${scenario.base}self-service/login?flow=${linkingId}`, { provider: 'test-op', 'upstream_parameters.prompt': 'none' });
    assert.equal(crossSite.status, 403, 'refused as CSRF');
    if (crossSite.status >= 300 && crossSite.status < 400) await victimBrowser.follow(`${scenario.base}self-service/login?flow=${linkingId}`, crossSite);
    assert.equal(await identityOf('test-op:mallory-c'), null, 'nothing linked');

    // Even with a valid anti-CSRF pair of her own browser, the flow is not hers.
    const signedOut = new RedirectBrowser();
    const own = await browserFlow(signedOut, 'login');
    const sameSite = await signedOut.postForm(`${scenario.base}self-service/login?flow=${linkingId}`, { csrf_token: own.csrf, provider: 'test-op' });
    assert.equal(sameSite.status, 403, 'the flow belongs to another browser');
    if (sameSite.status >= 300 && sameSite.status < 400) await signedOut.follow(`${scenario.base}self-service/login?flow=${linkingId}`, sameSite);
    assert.equal(await identityOf('test-op:mallory-c'), null, 'nothing linked');
  });

  it('browser variant: the attacker cannot ask for prompt=none, and the victim opening his provider URL links nothing', async () => {
    const attacker = new RedirectBrowser();
    const linkingId = await attackersBrowserLinkingFlow(attacker, 'mallory-d', VICTIM_EMAIL);
    const csrf = await csrfOf(attacker, 'login', linkingId);

    const silent = await attacker.postForm(`${scenario.base}self-service/login?flow=${linkingId}`, { csrf_token: csrf, provider: 'test-op', 'upstream_parameters.prompt': 'none' });
    assert.equal(silent.status, 303);
    assert.equal(silent.headers.get('location'), `${scenario.base}ui/login?flow=${linkingId}`, 'back to the form, not to the provider');
    const flow = (await jsonOf(await attacker.request(`${scenario.base}self-service/login/flows?id=${linkingId}`, { headers: { accept: 'application/json' } }))) as FlowJson;
    assert.match(flow.ui.messages?.[0]?.text ?? '', /upstream_parameters/);

    const submit = await attacker.postForm(`${scenario.base}self-service/login?flow=${linkingId}`, { csrf_token: csrf, provider: 'test-op' });
    assert.equal(submit.status, 303);
    const url = new URL(submit.headers.get('location') ?? '');
    assert.equal(url.origin, scenario.op.issuer);
    assert.equal(url.searchParams.get('prompt'), 'login');

    scenario.op.nextLogin = { sub: 'victim-up' };
    const opened = await victimBrowser.navigate(url.href);
    assert.equal(opened.response.status, 400);
    assert.match(await opened.response.text(), /no resumable session found|cookie to resume/);
    assert.equal(await identityOf('test-op:mallory-d'), null, 'nothing linked');
  });
});
