import assert from 'node:assert/strict';
import fc from 'fast-check';
import { jsonOf } from '../helpers/http.js';
import type { InProcessTessera } from '../helpers/in-process.js';
import { genericProvider } from '../helpers/oidc-broker.js';
import { startTestOp, type TestOp } from '../helpers/oidc-provider.js';
import { RedirectBrowser } from '../helpers/redirect-browser.js';
import { hostileString, hostileValue } from './arbitraries.js';
import type { EndpointHints, Pools } from './endpoint-catalogue.js';

/**
 * The hostile-input suites' share of upstream sign-in (OIDC) and the session token exchange: a real OpenID
 * Provider behind a `test-op` provider, real pending sign-ins, exchange codes that redeem, and the inputs an
 * attacker aims at these endpoints:
 * - the callback: real and forged `state`s, codes the provider never issued, provider errors, `iss` mix-ups, an
 *   unknown or hostile provider in the path;
 * - provider submits: `provider`, `upstream_parameters` (`prompt=none`, values off the allow-list,
 *   `login_hint`, wrong types), typed `traits` over the mapper's, an exchange code as link proof;
 * - the token exchange: real init codes with wrong return codes and the reverse, replays, oversized codes.
 */
export const APP_RETURN = 'com.example.app://callback';
const PUBLIC_BASE = 'http://localhost:4433/';
/** Stands for "a pending sign-in created just before sending", like FRESH_FLOW_ID: a real state is used once. */
export const FRESH_OIDC_STATE = 'fresh-oidc-state';

export interface OidcPools {
  oidcProviderIds: string[];
  /** The provider's issuer: the RFC 9207 `iss` a callback must carry. */
  oidcIssuers: string[];
  /** States of real pending sign-ins (each works once), and FRESH_OIDC_STATE. */
  oidcStates: string[];
  exchangeInitCodes: string[];
  /** Return codes of finished sign-ins, matching exchangeInitCodes in order. */
  exchangeReturnToCodes: string[];
  /** Starts a new pending sign-in on a native flow and returns its state. */
  freshOidcState: () => Promise<string>;
}

/** Pools for a suite without upstream sign-in (seedOidc fills them). */
export function noOidcPools(): OidcPools {
  return { oidcProviderIds: [], oidcIssuers: [], oidcStates: [], exchangeInitCodes: [], exchangeReturnToCodes: [], freshOidcState: async () => '' };
}

const prompt = fc.oneof(fc.constantFrom('none', 'login', 'consent', 'select_account', 'login none', 'NONE', ' none'), hostileValue);
// Off the allow-list too: login_hint (dropped by Kratos master) and parameters Tessera itself sets.
const upstreamParameters = fc.oneof(
  { weight: 3, arbitrary: fc.record({ prompt, hd: hostileValue, auth_type: hostileValue, acr_values: hostileValue, login_hint: hostileValue, redirect_uri: hostileValue, state: hostileValue }, { requiredKeys: [] }) },
  { weight: 1, arbitrary: hostileValue },
);

/** A provider submit: mostly well-formed with hostile leaves, sometimes any subset of the members. */
export function oidcSubmitBody(pools: Pools, kind: 'login' | 'registration'): fc.Arbitrary<unknown> {
  const members: Record<string, fc.Arbitrary<unknown>> = {
    method: fc.oneof({ weight: 3, arbitrary: fc.constant('oidc') }, { weight: 1, arbitrary: hostileValue }),
    provider: fc.oneof({ weight: 3, arbitrary: pools.oidcProviderIds.length > 0 ? fc.constantFrom(...pools.oidcProviderIds) : hostileString }, { weight: 1, arbitrary: hostileValue }),
    upstream_parameters: upstreamParameters,
    csrf_token: hostileValue,
    session_token_exchange_code: pools.exchangeInitCodes.length > 0 ? fc.oneof(fc.constantFrom(...pools.exchangeInitCodes), hostileValue) : hostileValue,
    id_token: hostileValue,
    id_token_nonce: hostileValue,
    transient_payload: hostileValue,
    ...(kind === 'registration'
      ? { traits: fc.oneof(fc.record({ email: fc.oneof(fc.emailAddress(), hostileValue), name: hostileValue }, { requiredKeys: [] }), fc.dictionary(hostileString, hostileValue, { maxKeys: 3 }), hostileValue) }
      : { identifier: hostileValue, password: hostileValue }),
  };
  return fc.oneof({ weight: 3, arbitrary: fc.record(members, { requiredKeys: ['provider'] }) }, { weight: 1, arbitrary: fc.record(members, { requiredKeys: [] }) });
}

/** One of the pool's real values (or a hostile string while the pool is empty). */
const oneOfPooled = (values: readonly string[]): fc.Arbitrary<string> => (values.length > 0 ? fc.constantFrom(...values) : hostileString);

export const OIDC_ENDPOINT_HINTS: Record<string, EndpointHints> = {
  'GET /self-service/methods/oidc/callback/:provider': {
    pathParamPool: 'oidcProviderIds',
    query: ['state', 'code', 'error', 'error_description', 'iss', 'scope', 'authCode', 'session_state', 'user'],
    queryValues: (pools) => ({ state: oneOfPooled(pools.oidcStates), iss: oneOfPooled(pools.oidcIssuers) }),
    // A real pending sign-in and a code the provider never issued: the sweep reaches the token endpoint call.
    validQuery: async (pools) => ({ state: await pools.freshOidcState(), code: 'a-code-the-provider-never-issued', iss: pools.oidcIssuers[0] ?? '' }),
  },
  'POST /self-service/methods/oidc/callback/:provider': { pathParamPool: 'oidcProviderIds', query: ['state', 'code', 'error'], queryValues: (pools) => ({ state: oneOfPooled(pools.oidcStates) }) },
  'GET /sessions/token-exchange': {
    query: ['init_code', 'return_to_code'],
    queryValues: (pools) => ({ init_code: oneOfPooled(pools.exchangeInitCodes), return_to_code: oneOfPooled(pools.exchangeReturnToCodes) }),
    validQuery: (pools) => ({ init_code: pools.exchangeInitCodes[0] ?? '', return_to_code: pools.exchangeReturnToCodes[0] ?? '' }),
  },
};

/** A real OpenID Provider for a hostile suite, and the kratos.yml settings that make `test-op` use it. */
export async function startHostileOp(): Promise<{ op: TestOp; config: Record<string, unknown> }> {
  const op = await startTestOp({ redirectUris: [`${PUBLIC_BASE}self-service/methods/oidc/callback/test-op`] });
  op.accounts.set('alice', { email: 'alice@example.org', email_verified: true, name: 'Alice' });
  op.accounts.set('nameless', { name: 'Nameless' });
  const config = {
    secrets: { cipher: ['hostile-suite-cipher-32-bytes-ok'] },
    selfservice: {
      allowed_return_urls: [PUBLIC_BASE, APP_RETURN],
      methods: { oidc: { enabled: true, config: { providers: [genericProvider(op.issuer)] } } },
      flows: { registration: { after: { oidc: { hooks: [{ hook: 'session' }] } } } },
    },
  };
  return { op, config };
}

/**
 * Real things for the OIDC hints to aim at: native flows with an exchange (also added to the flow pools, so
 * provider submits get past "needs the exchange"), pending sign-ins, and finished sign-ins whose two codes redeem.
 */
export async function seedOidc(t: InProcessTessera, op: TestOp, pools: Pools): Promise<void> {
  const app = t.publicApp;
  const nativeFlow = async (kind: 'login' | 'registration'): Promise<{ id: string; initCode: string }> => {
    const response = await app.request(`/self-service/${kind}/api?return_session_token_exchange_code=true&return_to=${encodeURIComponent(APP_RETURN)}`);
    assert.equal(response.status, 200);
    const flow = await jsonOf(response);
    return { id: String(flow.id), initCode: String(flow.session_token_exchange_code) };
  };
  const startSignIn = async (flowId: string, kind: 'login' | 'registration'): Promise<string> => {
    const response = await app.request(`/self-service/${kind}?flow=${flowId}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ method: 'oidc', provider: 'test-op' }) });
    assert.equal(response.status, 422, await response.clone().text());
    return String((await jsonOf(response)).redirect_browser_to);
  };
  const stateOf = (url: string): string => new URL(url).searchParams.get('state') ?? '';

  pools.oidcProviderIds = ['test-op'];
  pools.oidcIssuers = [op.issuer];
  pools.freshOidcState = async () => stateOf(await startSignIn((await nativeFlow('login')).id, 'login'));
  pools.oidcStates = [FRESH_OIDC_STATE];
  for (const kind of ['login', 'registration'] as const) {
    for (let i = 0; i < 3; i++) {
      const flow = await nativeFlow(kind);
      (kind === 'login' ? pools.loginFlowIds : pools.registrationFlowIds).push(flow.id);
      pools.oidcStates.push(stateOf(await startSignIn(flow.id, kind)));
    }
  }
  // Finished sign-ins: the provider's redirect is followed up to the callback, which the app answers in-process.
  for (const sub of ['alice', 'alice', 'nameless']) {
    const flow = await nativeFlow('login');
    op.nextLogin = { sub };
    const upstream = await new RedirectBrowser().navigate(await startSignIn(flow.id, 'login'), (next) => next.pathname.startsWith('/self-service/methods/oidc/callback/'));
    assert.ok(upstream.stoppedAt, JSON.stringify(upstream.hops));
    const callback = new URL(upstream.stoppedAt);
    const answer = await app.request(`${callback.pathname}${callback.search}`);
    assert.equal(answer.status, 303);
    const back = new URL(answer.headers.get('location') ?? '');
    pools.exchangeInitCodes.push(flow.initCode);
    pools.exchangeReturnToCodes.push(back.searchParams.get('code') ?? '');
  }
}
