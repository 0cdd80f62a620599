// test-stores: both
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { jsonOf, registerViaApi, uiMessageIds } from '../helpers/http.js';
import { genericProvider, startBrowserFlow, startOidcScenario, type OidcScenario } from '../helpers/oidc-broker.js';
import { RedirectBrowser } from '../helpers/redirect-browser.js';

/**
 * What must fail, against the real OP: a tampered or replayed state, a callback in a browser that did not start
 * the sign-in, a replayed authorization code, a provider whose issuer does not match (in discovery, in the
 * authorization response, in the ID token), a user who denies consent, an email that belongs to an existing
 * account (account linking, message 1010016), traits the schema rejects, and a mapper that refuses.
 */
type Flow = Record<string, unknown> & { id: string; ui: { messages?: Array<{ id: number; text: string; type: string; context?: Record<string, unknown> }>; nodes: Array<{ group: string; attributes: { name: string; type: string; value?: unknown }; messages: Array<{ id: number; text: string }>; meta: { label?: { id: number; text: string } } }> } };

/** Serves the OP's discovery document with changes, from its own origin: an issuer that lies. */
async function startDiscoveryProxy(opIssuer: string, rewrite: (metadata: Record<string, unknown>, self: string) => Record<string, unknown>): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    void (async () => {
      if (req.url !== '/.well-known/openid-configuration') {
        res.writeHead(404).end();
        return;
      }
      const metadata = (await (await fetch(`${opIssuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(rewrite(metadata, url)));
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('upstream sign-in failures (real OP)', { timeout: 180_000 }, () => {
  let scenario: OidcScenario;
  let impostor: { url: string; close(): Promise<void> };
  let opIssuer = '';

  before(async () => {
    scenario = await startOidcScenario({
      op: { redirectProviderIds: ['test-op', 'impostor', 'refuser'] },
      providers: (issuer) => {
        opIssuer = issuer;
        return [
          genericProvider(issuer),
          genericProvider(issuer, { id: 'refuser', label: 'Refuser', mapper_url: `base64://${Buffer.from("error 'only employees of example.com may sign in'").toString('base64')}` }),
        ];
      },
    });
    scenario.op.accounts.set('alice', { email: 'alice@example.org', email_verified: true, name: 'Alice' });
    scenario.op.accounts.set('bob-upstream', { email: 'bob@example.org', email_verified: true, name: 'Bob Upstream' });
    scenario.op.accounts.set('unverified', { email: 'eve@example.org', email_verified: false, name: 'Eve' });
  });
  after(async () => {
    await scenario?.close();
    await impostor?.close();
  });

  async function startSignIn(browser: RedirectBrowser, provider = 'test-op', kind: 'login' | 'registration' = 'login'): Promise<{ flowId: string; callback: string }> {
    const { id: flowId, csrf } = await startBrowserFlow(browser, scenario.base, kind);
    const submit = await browser.postForm(`${scenario.base}self-service/${kind}?flow=${flowId}`, { csrf_token: csrf, provider });
    assert.equal(submit.status, 303);
    const upstream = await browser.follow(`${scenario.base}self-service/${kind}?flow=${flowId}`, submit, (u) => u.href.startsWith(scenario.callbackUrl(provider)));
    assert.ok(upstream.stoppedAt, `the OP sent the browser back: ${JSON.stringify(upstream.hops)}`);
    return { flowId, callback: upstream.stoppedAt };
  }

  async function flowJson(browser: RedirectBrowser, kind: 'login' | 'registration', id: string): Promise<Flow> {
    return (await jsonOf(await browser.request(`${scenario.base}self-service/${kind}/flows?id=${id}`, { headers: { accept: 'application/json' } }))) as Flow;
  }

  const jsonGet = (browser: RedirectBrowser, url: string): Promise<Response> => browser.request(url, { headers: { accept: 'application/json' } });

  it('refuses a tampered state, a missing state and a foreign browser, and leaves the real sign-in intact', async () => {
    scenario.op.nextLogin = { sub: 'alice' };
    const browser = new RedirectBrowser();
    const { callback } = await startSignIn(browser);
    const state = new URL(callback).searchParams.get('state') ?? '';

    const tampered = new URL(callback);
    tampered.searchParams.set('state', `${state.slice(0, -1)}${state.endsWith('A') ? 'B' : 'A'}`);
    const refused = await jsonGet(browser, tampered.href);
    assert.equal(refused.status, 400);
    assert.equal(((await jsonOf(refused)).error as { reason: string }).reason, 'Unable to complete OpenID Connect flow because the state parameter is invalid.');

    const noState = new URL(callback);
    noState.searchParams.delete('state');
    const missing = await jsonGet(browser, noState.href);
    assert.equal(missing.status, 400);
    assert.match(((await jsonOf(missing)).error as { reason: string }).reason, /did not return the state query parameter/);

    // Login CSRF: the attacker's callback URL opened in the victim's browser lacks the continuity cookie.
    const victim = new RedirectBrowser();
    const foreign = await jsonGet(victim, callback);
    assert.equal(foreign.status, 400);
    assert.equal(((await jsonOf(foreign)).error as { message: string }).message, 'no resumable session found');
    assert.equal(foreign.headers.getSetCookie().some((c) => c.startsWith('ory_kratos_session=')), false);

    // A person sees a page, not JSON.
    const page = await victim.request(callback);
    assert.equal(page.status, 400);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);

    const done = await browser.navigate(callback);
    assert.equal(done.url, `${scenario.base}ui/welcome`, 'the genuine callback still completes');

    // ...once: the same callback URL again is a replay.
    const replay = await jsonGet(browser, callback);
    assert.equal(replay.status, 400);
    assert.equal(((await jsonOf(replay)).error as { reason: string }).reason, 'Unable to complete OpenID Connect flow because the state parameter is invalid.');
  });

  it('refuses a sign-in that took longer than 30 minutes to come back', async () => {
    const browser = new RedirectBrowser();
    const { callback } = await startSignIn(browser);
    const deps = scenario.server.runtime.deps;
    const realNow = deps.now;
    deps.now = () => new Date(realNow().getTime() + 31 * 60 * 1000);
    try {
      const late = await jsonGet(browser, callback);
      assert.equal(late.status, 400);
      assert.equal(((await jsonOf(late)).error as { message: string }).message, 'no resumable session found');
    } finally {
      deps.now = realNow;
    }
  });

  it('refuses a provider mismatch between the URL and the state', async () => {
    const browser = new RedirectBrowser();
    const { callback } = await startSignIn(browser);
    const swapped = callback.replace('/callback/test-op?', '/callback/refuser?');
    const response = await jsonGet(browser, swapped);
    assert.equal(response.status, 400);
    assert.match(((await jsonOf(response)).error as { reason: string }).reason, /provider mismatch between internal state and URL/);
  });

  it('refuses a replayed authorization code with a message on the flow', async () => {
    scenario.op.nextLogin = { sub: 'alice' };
    const first = new RedirectBrowser();
    const used = await startSignIn(first);
    assert.equal((await first.navigate(used.callback)).url, `${scenario.base}ui/welcome`);
    const usedCode = new URL(used.callback).searchParams.get('code') ?? '';

    const second = new RedirectBrowser();
    const fresh = await startSignIn(second);
    const replayed = new URL(fresh.callback);
    replayed.searchParams.set('code', usedCode);
    const back = await second.navigate(replayed.href);
    assert.equal(new URL(back.url).pathname, '/ui/login');
    const flow = await flowJson(second, 'login', fresh.flowId);
    assert.deepEqual(uiMessageIds(flow), [4000001]);
    assert.match(flow.ui.messages?.[0]?.text ?? '', /token endpoint returned error "invalid_grant"/);
    assert.equal((await jsonGet(second, `${scenario.base}sessions/whoami`)).status, 401);
  });

  it('refuses an ID token whose nonce is not the one this sign-in sent', async () => {
    scenario.op.nextLogin = { sub: 'alice' };
    const browser = new RedirectBrowser();
    const { flowId, callback } = await startSignIn(browser);
    // As if the code (and so the ID token) had been obtained for another authorization request.
    const { store } = scenario.server.runtime.deps;
    const flow = await store.getFlow(flowId);
    assert.ok(flow);
    (flow.internalContext.oidc_pending as { nonce: string }).nonce = 'a-nonce-from-another-request';
    await store.updateFlow(flow);
    const back = await browser.navigate(callback);
    assert.equal(new URL(back.url).pathname, '/ui/login');
    assert.match((await flowJson(browser, 'login', flowId)).ui.messages?.[0]?.text ?? '', /unexpected ID Token "nonce" claim value/);
    assert.equal((await jsonGet(browser, `${scenario.base}sessions/whoami`)).status, 401);
  });

  it('shows a denied consent on the flow (4000001 with the OP error)', async () => {
    scenario.op.nextLogin = { error: 'access_denied', description: 'The user said no' };
    const browser = new RedirectBrowser();
    const { flowId, callback } = await startSignIn(browser);
    assert.equal(new URL(callback).searchParams.get('error'), 'access_denied');
    const back = await browser.navigate(callback);
    assert.equal(back.url, `${scenario.base}ui/login?flow=${flowId}`);
    const flow = await flowJson(browser, 'login', flowId);
    assert.deepEqual(flow.ui.messages, [
      {
        id: 4000001,
        text: 'Unable to complete OpenID Connect flow because the OpenID Provider returned error "access_denied": The user said no',
        type: 'error',
        context: { reason: 'Unable to complete OpenID Connect flow because the OpenID Provider returned error "access_denied": The user said no' },
      },
    ]);
    const page = await (await browser.request(back.url)).text();
    assert.match(page, /returned error &quot;access_denied&quot;: The user said no/);
    scenario.op.nextLogin = { sub: 'alice' };
  });

  it('shows a mapper that refuses the user on the flow, and keeps serving', async () => {
    scenario.op.nextLogin = { sub: 'newcomer' };
    scenario.op.accounts.set('newcomer', { email: 'new@example.org', email_verified: true });
    const browser = new RedirectBrowser();
    const { callback } = await startSignIn(browser, 'refuser', 'registration');
    const back = await browser.navigate(callback);
    const flowId = new URL(back.url).searchParams.get('flow') ?? '';
    const flow = await flowJson(browser, 'registration', flowId);
    assert.match(flow.ui.messages?.[0]?.text ?? '', /data mapper of "Refuser" failed: RUNTIME ERROR: only employees of example.com may sign in/);
    assert.equal((await scenario.server.runtime.deps.store.findIdentityByCredentialIdentifier('oidc', 'refuser:newcomer')), null);
    scenario.op.nextLogin = { sub: 'alice' };
  });

  it('refuses an ID token or authorization response from another issuer', async () => {
    // A provider whose discovery says its issuer is the proxy, while the tokens come from the real OP.
    impostor = await startDiscoveryProxy(opIssuer, (metadata, self) => {
      const { authorization_response_iss_parameter_supported: _dropped, ...rest } = metadata;
      return { ...rest, issuer: self };
    });
    const { buildOidcMethod } = await import('../../src/oidc/oidc-method.js');
    const { testConfig } = await import('../helpers/config.js');
    const deps = scenario.server.runtime.deps;
    const config = testConfig({
      serve: { public: { base_url: scenario.base } },
      selfservice: { methods: { oidc: { enabled: true, config: { providers: [genericProvider(opIssuer), genericProvider(impostor.url, { id: 'impostor' })] } } } },
    });
    const method = await buildOidcMethod(config, deps.logger);
    assert.ok(method);
    const original = deps.oidc;
    deps.oidc = method;
    try {
      for (const keepIssParameter of [true, false]) {
        const browser = new RedirectBrowser();
        const { flowId, callback } = await startSignIn(browser, 'impostor');
        const url = new URL(callback);
        assert.equal(url.searchParams.get('iss'), opIssuer);
        if (!keepIssParameter) url.searchParams.delete('iss');
        const back = await browser.navigate(url.href);
        assert.equal(new URL(back.url).pathname, '/ui/login');
        const flow = await flowJson(browser, 'login', flowId);
        const message = flow.ui.messages?.[0]?.text ?? '';
        assert.match(message, keepIssParameter ? /unexpected "iss" \(issuer\) response parameter value/ : /unexpected JWT "iss" \(issuer\) claim value/, message);
        assert.equal((await jsonGet(browser, `${scenario.base}sessions/whoami`)).status, 401);
      }
    } finally {
      deps.oidc = original;
    }
  });

  it('answers 502 when discovery names another issuer than the configured one', async () => {
    const liarProxy = await startDiscoveryProxy(opIssuer, (metadata) => metadata);
    try {
      const { buildOidcMethod } = await import('../../src/oidc/oidc-method.js');
      const { testConfig } = await import('../helpers/config.js');
      const deps = scenario.server.runtime.deps;
      const method = await buildOidcMethod(
        testConfig({ serve: { public: { base_url: scenario.base } }, selfservice: { methods: { oidc: { enabled: true, config: { providers: [genericProvider(liarProxy.url, { id: 'test-op' })] } } } } }),
        deps.logger,
      );
      const original = deps.oidc;
      deps.oidc = method;
      try {
        const browser = new RedirectBrowser();
        const { id: flowId, csrf } = await startBrowserFlow(browser, scenario.base, 'login');
        const response = await browser.request(`${scenario.base}self-service/login?flow=${flowId}`, {
          method: 'POST',
          headers: { accept: 'application/json', 'content-type': 'application/json', 'x-csrf-token': csrf },
          body: JSON.stringify({ provider: 'test-op' }),
        });
        assert.equal(response.status, 502);
        assert.match(((await jsonOf(response)).error as { reason: string }).reason, /^Unable to initialize OpenID Connect Provider: discovery at http:\/\/127\.0\.0\.1:\d+ failed: .*issuer/);
      } finally {
        deps.oidc = original;
      }
    } finally {
      await liarProxy.close();
    }
  });

  it('turns an email collision into account linking (1010016), linked only after the password is proven', async () => {
    const bob = await registerViaApi(scenario.server.publicUrl, 'bob@example.org', 'a strong password for bob');
    assert.equal(bob.status, 200);
    const bobId = (bob.body.identity as { id: string }).id;
    const carol = await registerViaApi(scenario.server.publicUrl, 'carol@example.org', 'a strong password for carol');
    assert.equal(carol.status, 200);
    const before = await scenario.server.runtime.deps.store.countIdentities();

    scenario.op.nextLogin = { sub: 'bob-upstream' };
    const browser = new RedirectBrowser();
    const { callback } = await startSignIn(browser, 'test-op', 'registration');
    const back = await browser.navigate(callback);
    const landed = new URL(back.url);
    assert.equal(landed.pathname, '/ui/login');
    assert.equal(landed.searchParams.get('no_org_ui'), 'true');
    const linkingId = landed.searchParams.get('flow') ?? '';
    assert.equal(await scenario.server.runtime.deps.store.countIdentities(), before, 'no second account');
    assert.equal((await jsonGet(browser, `${scenario.base}sessions/whoami`)).status, 401, 'no silent sign-in');

    const flow = await flowJson(browser, 'login', linkingId);
    const message = flow.ui.messages?.[0];
    assert.equal(message?.id, 1010016);
    assert.equal(message?.type, 'info');
    assert.equal(
      message?.text,
      'You tried to sign in with "bob@example.org", but that email is already used by another account. Sign in to your account with one of the options below to add your account "bob@example.org" at "Test OP" as another way to sign in.',
    );
    assert.equal(message?.context?.duplicate_identifier, 'bob@example.org');
    const identifier = flow.ui.nodes.find((n) => n.attributes.name === 'identifier');
    assert.deepEqual([identifier?.attributes.type, identifier?.attributes.value], ['hidden', 'bob@example.org']);
    assert.equal(flow.ui.nodes.find((n) => n.attributes.name === 'method')?.meta.label?.id, 1010017);
    assert.deepEqual(flow.ui.nodes.filter((n) => n.group === 'oidc').map((n) => [n.attributes.value, n.meta.label?.id]), [['refuser', 1010018]], 'the provider just used is gone, the others confirm');
    const page = await (await browser.request(back.url)).text();
    assert.match(page, /already used by another account/);
    assert.match(page, /Sign in and link/);

    const csrf = String(flow.ui.nodes.find((n) => n.attributes.name === 'csrf_token')?.attributes.value);
    const submit = (fields: Record<string, string>): Promise<Response> => browser.postForm(`${scenario.base}self-service/login?flow=${linkingId}`, { csrf_token: csrf, method: 'password', ...fields });

    // Someone else's account, even with its right password, is not the one the email belongs to.
    await submit({ identifier: 'carol@example.org', password: 'a strong password for carol' });
    assert.deepEqual(uiMessageIds(await flowJson(browser, 'login', linkingId)), [4010009]);
    await submit({ identifier: 'bob@example.org', password: 'wrong password' });
    assert.deepEqual(uiMessageIds(await flowJson(browser, 'login', linkingId)), [4000006]);
    assert.equal((await scenario.server.runtime.deps.store.findIdentityByCredentialIdentifier('oidc', 'test-op:bob-upstream')), null, 'nothing linked yet');

    const proven = await submit({ identifier: 'bob@example.org', password: 'a strong password for bob' });
    assert.equal(proven.status, 303);
    const whoami = await jsonOf(await jsonGet(browser, `${scenario.base}sessions/whoami`));
    assert.equal((whoami.identity as { id: string }).id, bobId);
    assert.deepEqual((whoami.authentication_methods as Array<{ method: string; provider?: string }>).map((m) => [m.method, m.provider]), [['password', undefined], ['oidc', 'test-op']]);
    assert.equal((await scenario.server.runtime.deps.store.findIdentityByCredentialIdentifier('oidc', 'test-op:bob-upstream'))?.id, bobId);

    // From now on the upstream account signs straight in to Bob's account.
    const later = new RedirectBrowser();
    const again = await startSignIn(later);
    assert.equal((await later.navigate(again.callback)).url, `${scenario.base}ui/welcome`);
    assert.equal(((await jsonOf(await jsonGet(later, `${scenario.base}sessions/whoami`))).identity as { id: string }).id, bobId);
  });

  it('asks for missing traits with a "Continue" form (1040003), then registers with what the user typed', async () => {
    scenario.op.nextLogin = { sub: 'unverified' };
    const browser = new RedirectBrowser();
    const { callback } = await startSignIn(browser);
    const back = await browser.navigate(callback);
    const landed = new URL(back.url);
    assert.equal(landed.pathname, '/ui/registration', 'the login flow switched to registration');
    const flowId = landed.searchParams.get('flow') ?? '';
    const flow = await flowJson(browser, 'registration', flowId);
    const email = flow.ui.nodes.find((n) => n.attributes.name === 'traits.email');
    assert.deepEqual(email?.messages.map((m) => [m.id, m.text]), [[4000002, 'Property email is missing.']]);
    assert.equal(flow.ui.nodes.find((n) => n.attributes.name === 'traits.name')?.attributes.value, 'Eve', 'prefilled from the mapper');
    const button = flow.ui.nodes.find((n) => n.group === 'oidc');
    assert.deepEqual([button?.attributes.name, button?.attributes.value, button?.meta.label?.id], ['provider', 'test-op', 1040003]);
    assert.equal(flow.ui.nodes.some((n) => n.attributes.name === 'password'), false);

    const csrf = String(flow.ui.nodes.find((n) => n.attributes.name === 'csrf_token')?.attributes.value);
    const submit = await browser.postForm(`${scenario.base}self-service/registration?flow=${flowId}`, { csrf_token: csrf, 'traits.email': 'eve.typed@example.org', 'traits.name': 'Eve', provider: 'test-op' });
    const done = await browser.follow(`${scenario.base}self-service/registration?flow=${flowId}`, submit);
    assert.equal(done.url, `${scenario.base}ui/welcome`, JSON.stringify(done.hops));
    const whoami = await jsonOf(await jsonGet(browser, `${scenario.base}sessions/whoami`));
    const identity = whoami.identity as { traits: Record<string, unknown>; verifiable_addresses: Array<{ verified: boolean }> };
    assert.deepEqual(identity.traits, { email: 'eve.typed@example.org', name: 'Eve' });
    assert.equal(identity.verifiable_addresses[0]?.verified, false, 'a typed address is not verified');
  });
});
