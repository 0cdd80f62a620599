// test-stores: both
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { jsonOf, uiMessageIds } from '../helpers/http.js';
import { startOidcScenario, type OidcScenario } from '../helpers/oidc-broker.js';
import { RedirectBrowser } from '../helpers/redirect-browser.js';

/**
 * Native apps (Kratos docs "social sign-in for native apps"): the app holds the init code of its API flow, the
 * system browser signs in upstream and ends at `return_to?code=`, and the app trades both codes for a session.
 */
const APP_RETURN = 'com.example.app://callback';

describe('native apps: upstream sign-in with the session token exchange', { timeout: 120_000 }, () => {
  let scenario: OidcScenario;
  before(async () => {
    scenario = await startOidcScenario();
    scenario.op.accounts.set('nina', { email: 'nina@example.org', email_verified: true, name: 'Nina' });
    scenario.op.accounts.set('nameless', { email: 'nameless@example.org', email_verified: false });
  });
  after(async () => {
    await scenario?.close();
  });

  const api = (path: string, init: RequestInit = {}): Promise<Response> => fetch(`${scenario.server.publicUrl}${path}`, init);
  const submitJson = (kind: string, flowId: string, body: unknown): Promise<Response> =>
    api(`/self-service/${kind}?flow=${flowId}`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(body) });

  /** The system browser: follows the redirect until the app's URL scheme, which only the app handles. */
  async function inSystemBrowser(url: string): Promise<URL> {
    const browser = new RedirectBrowser();
    const result = await browser.navigate(url, (next) => next.protocol === 'com.example.app:');
    assert.ok(result.stoppedAt, `ended at the app: ${JSON.stringify(result.hops)}`);
    return new URL(result.stoppedAt);
  }

  it('signs in and hands the app a session token for its two codes, once', async () => {
    scenario.op.nextLogin = { sub: 'nina' };
    const init = await jsonOf(await api(`/self-service/login/api?return_session_token_exchange_code=true&return_to=${encodeURIComponent(APP_RETURN)}`));
    const initCode = init.session_token_exchange_code as string;
    assert.match(initCode, /^[A-Za-z0-9]{64}$/);
    const refetched = await jsonOf(await api(`/self-service/login/flows?id=${String(init.id)}`));
    assert.equal(refetched.session_token_exchange_code, undefined, 'shown once, never stored in the clear');

    const submit = await submitJson('login', String(init.id), { method: 'oidc', provider: 'test-op' });
    assert.equal(submit.status, 422);
    const redirect = (await jsonOf(submit)).redirect_browser_to as string;
    assert.equal(submit.headers.getSetCookie().length, 0, 'no cookies for an API flow');

    const back = await inSystemBrowser(redirect);
    assert.equal(`${back.protocol}//${back.host}`, APP_RETURN);
    const returnToCode = back.searchParams.get('code') ?? '';
    assert.match(returnToCode, /^[A-Za-z0-9]{64}$/);

    const missing = await api(`/sessions/token-exchange?init_code=${initCode}`);
    assert.equal(missing.status, 400);
    assert.equal(((await jsonOf(missing)).error as { reason: string }).reason, 'both "init_code" and "return_to_code" query params must be set');
    const wrong = await api(`/sessions/token-exchange?init_code=${initCode}&return_to_code=${'x'.repeat(64)}`);
    assert.equal(wrong.status, 404);
    assert.equal(((await jsonOf(wrong)).error as { reason: string }).reason, 'no session yet for this "code"');

    const exchanged = await api(`/sessions/token-exchange?init_code=${initCode}&return_to_code=${returnToCode}`);
    assert.equal(exchanged.status, 200);
    const body = await jsonOf(exchanged);
    assert.match(body.session_token as string, /^ory_st_/);
    const whoami = await jsonOf(await api('/sessions/whoami', { headers: { 'x-session-token': body.session_token as string } }));
    assert.deepEqual((whoami.identity as { traits: unknown }).traits, { email: 'nina@example.org', name: 'Nina' });
    assert.deepEqual((whoami.authentication_methods as Array<{ method: string; provider: string }>).map((m) => [m.method, m.provider]), [['oidc', 'test-op']]);
    assert.equal((body.session as { id: string }).id, whoami.id);

    const again = await api(`/sessions/token-exchange?init_code=${initCode}&return_to_code=${returnToCode}`);
    assert.equal(again.status, 404, 'the codes work once');
  });

  it('refuses upstream sign-in in an API flow without the exchange, saying why', async () => {
    const init = await jsonOf(await api('/self-service/login/api'));
    const submit = await submitJson('login', String(init.id), { method: 'oidc', provider: 'test-op' });
    assert.equal(submit.status, 400);
    const flow = await jsonOf(submit);
    assert.deepEqual(uiMessageIds(flow), [4000001]);
    assert.match(JSON.stringify(flow), /return_session_token_exchange_code=true/);
  });

  it('hands the app the registration flow when traits are missing, and completes after "Continue"', async () => {
    scenario.op.nextLogin = { sub: 'nameless' };
    const init = await jsonOf(await api(`/self-service/registration/api?return_session_token_exchange_code=true&return_to=${encodeURIComponent(APP_RETURN)}`));
    const initCode = init.session_token_exchange_code as string;
    const first = await submitJson('registration', String(init.id), { method: 'oidc', provider: 'test-op' });
    const back = await inSystemBrowser((await jsonOf(first)).redirect_browser_to as string);
    assert.equal(back.searchParams.get('flow'), String(init.id));
    const exchanged = await api(`/sessions/token-exchange?init_code=${initCode}&return_to_code=${back.searchParams.get('code') ?? ''}`);
    assert.equal(exchanged.status, 422);
    const flow = await jsonOf(exchanged);
    assert.equal(flow.id, init.id);
    assert.deepEqual(uiMessageIds(flow), [4000002]);

    const second = await submitJson('registration', String(init.id), { method: 'oidc', provider: 'test-op', traits: { email: 'typed@example.org' } });
    assert.equal(second.status, 422);
    const done = await inSystemBrowser((await jsonOf(second)).redirect_browser_to as string);
    assert.equal(done.searchParams.get('flow'), null);
    const session = await api(`/sessions/token-exchange?init_code=${initCode}&return_to_code=${done.searchParams.get('code') ?? ''}`);
    assert.equal(session.status, 200);
    const body = await jsonOf(session);
    assert.equal(((body.session as { identity: { traits: { email: string } } }).identity.traits.email), 'typed@example.org');
  });
});
