// test-stores: both
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createAdminApi } from '../../src/http/admin-app.js';
import { testConfig } from '../helpers/config.js';
import { inProcess } from '../helpers/in-process.js';
import { INJECTION_STRINGS, isSendableHeader } from './arbitraries.js';
import { endpointsOf, hintsFor, type Endpoint, type Pools } from './endpoint-catalogue.js';
import { seedOidc, startHostileOp } from './oidc-hints.js';
import { encodeSegment, type HostileRequest } from './request-arbitrary.js';
import { DatabaseProbe } from './database-probe.js';
import { assertCleanResponse, redirectPrefixesOf } from './response-checks.js';
import { createFlow, registerAndLogin, seed } from './seed.js';

/**
 * Deterministic complement to the property suite: every injection string in every field of an otherwise valid
 * request, one field at a time, so that each string reaches the code behind the field (the property suite finds
 * odd combinations, this one guarantees coverage of the list). Rate limits are off here so that repeated
 * attempts keep reaching the password check.
 */
const ADMIN_KEY = 'injection-sweep-admin-key-0123456789';
const USERS_KEY = 'injection-sweep-users-key-0123456789';
const upstream = await startHostileOp();
const t = await inProcess(testConfig({ tessera: { admin: { api_key: ADMIN_KEY }, users_api: { api_key: USERS_KEY }, rate_limits: { enabled: false } }, ...upstream.config }));
const pools: Pools = await seed(t, ADMIN_KEY);
await seedOidc(t, upstream.op, pools);
const probe = await DatabaseProbe.open(t.deps.config.dsn);
const rules = { redirectPrefixes: redirectPrefixesOf(t.deps.config) };
const endpoints = [...endpointsOf(t.publicApp, 'public'), ...endpointsOf(createAdminApi(t.deps), 'admin')];
/** Header sweeps are costly (every string × every header), so they run on the endpoints that read credentials. */
const HEADER_SWEEP = new Set(['public GET /sessions/whoami', 'public POST /self-service/login', 'public DELETE /self-service/logout/api', 'public GET /self-service/login/api', 'admin GET /admin/identities/:id']);

interface Variant {
  field: string;
  value: string;
  request: (pools: Pools) => Promise<HostileRequest>;
}

/** The valid request for an endpoint, with one part replaced. */
function baseline(endpoint: Endpoint, override: { path?: Record<string, string>; query?: Record<string, string>; body?: (body: object) => void; headers?: Record<string, string> }): (pools: Pools) => Promise<HostileRequest> {
  return async (current) => {
    const hints = hintsFor(endpoint);
    const pooled = hints.pathParamPool ? current[hints.pathParamPool][0] : undefined;
    let index = 0;
    const path = endpoint.path.replace(/:[A-Za-z_][A-Za-z0-9_]*|\*/g, (name) => override.path?.[`${name}#${index++}`] ?? encodeSegment(pooled ?? 'x'));
    const params = new URLSearchParams();
    if (hints.flowParam) params.set(hints.flowParam.name, await createFlow(t.publicApp, hints.flowParam.kind));
    for (const [name, value] of Object.entries((await hints.validQuery?.(current)) ?? {})) params.set(name, value);
    for (const [name, value] of Object.entries(override.query ?? {})) params.set(name, value);
    const headers: Record<string, string> = { 'content-type': 'application/json', ...(endpoint.app === 'admin' ? { authorization: `Bearer ${hints.bearer?.(current) ?? ADMIN_KEY}` } : {}), ...override.headers };
    let body: string | undefined;
    if (hints.validBody && endpoint.method !== 'GET' && endpoint.method !== 'HEAD') {
      const value = hints.validBody(current);
      override.body?.(value);
      body = JSON.stringify(value);
    }
    const query = params.toString();
    return { method: endpoint.method, url: `${path}${query ? `?${query}` : ''}`, headers, body };
  };
}

/** Paths to every scalar leaf of a JSON value (`traits.email`, `credentials.password.config.password`, `0.path`). */
function leaves(value: object, prefix: string[] = []): string[][] {
  return Object.entries(value).flatMap(([key, child]) => (typeof child === 'object' && child !== null ? leaves(child as object, [...prefix, key]) : [[...prefix, key]]));
}

function setLeaf(target: object, path: string[], value: unknown): void {
  let node = target as Record<string, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
  node[path[path.length - 1] as string] = value;
}

function variantsOf(endpoint: Endpoint): Variant[] {
  const hints = hintsFor(endpoint);
  const variants: Variant[] = [];
  const pathParams = endpoint.path.match(/:[A-Za-z_][A-Za-z0-9_]*|\*/g) ?? [];
  for (const value of INJECTION_STRINGS) {
    pathParams.forEach((name, position) => variants.push({ field: `path ${name}`, value, request: baseline(endpoint, { path: { [`${name}#${position}`]: encodeSegment(value) } }) }));
    for (const name of [...(hints.query ?? []), ...(hints.flowParam ? [hints.flowParam.name] : [])]) {
      variants.push({ field: `query ${name}`, value, request: baseline(endpoint, { query: { [name]: value } }) });
    }
    if (hints.validBody) {
      for (const leaf of leaves(hints.validBody(pools))) variants.push({ field: `body ${leaf.join('.')}`, value, request: baseline(endpoint, { body: (body) => setLeaf(body, leaf, value) }) });
    }
    if (HEADER_SWEEP.has(`${endpoint.app} ${endpoint.method} ${endpoint.path}`) && isSendableHeader(value) && value.trim() !== '') {
      const headers: Record<string, string> =
        endpoint.app === 'admin'
          ? { authorization: `Bearer ${value}` }
          : { 'x-session-token': value, authorization: `Bearer ${value}`, cookie: `ory_kratos_session=${value}`, 'x-request-id': value, 'x-forwarded-for': value };
      for (const [name, headerValue] of Object.entries(headers)) variants.push({ field: `header ${name}`, value, request: baseline(endpoint, { headers: { [name]: headerValue } }) });
    }
  }
  return variants;
}

describe('hostile input, injection sweep (every string in every field)', () => {
  after(async () => {
    await probe.close();
    await t.close();
    await upstream.op.close();
  });

  it('starts from requests that succeed, so the sweep reaches the code behind each field', async () => {
    for (const key of ['public POST /self-service/login', 'public POST /self-service/registration', 'admin POST /admin/identities']) {
      const endpoint = endpoints.find((e) => `${e.app} ${e.method} ${e.path}` === key);
      assert.ok(endpoint, key);
      const request = await baseline(endpoint, {})(pools);
      const response = await (endpoint.app === 'public' ? t.publicApp : t.adminApp).request(request.url, request);
      assert.ok(response.status === 200 || response.status === 201, `${key}: ${response.status} ${await response.text()}`);
    }
  });

  it('reaches the provider and the exchange: a fresh state gets to the token endpoint, real codes redeem', async () => {
    const callback = endpoints.find((e) => e.method === 'GET' && e.path === '/self-service/methods/oidc/callback/:provider');
    assert.ok(callback);
    const before = upstream.op.tokenRequests;
    const request = await baseline(callback, {})(pools);
    const response = await t.publicApp.request(request.url, request);
    assert.equal(response.status, 303, await response.clone().text());
    assert.match(response.headers.get('location') ?? '', /^com\.example\.app:\/\/callback\?code=\w+&flow=/);
    assert.equal(upstream.op.tokenRequests, before + 1, 'the code went to the provider');
    // The last pooled pair ended on a form ("Continue"): the exchange answers with the flow, and stays redeemable.
    const last = pools.exchangeInitCodes.length - 1;
    const form = await t.publicApp.request(`/sessions/token-exchange?init_code=${pools.exchangeInitCodes[last]}&return_to_code=${pools.exchangeReturnToCodes[last]}`);
    assert.equal(form.status, 422);
  });

  for (const endpoint of endpoints) {
    const variants = variantsOf(endpoint);
    if (variants.length === 0) continue;
    it(`${endpoint.app} ${endpoint.method} ${endpoint.path} (${variants.length} requests)`, async () => {
      const app = endpoint.app === 'public' ? t.publicApp : t.adminApp;
      for (const variant of variants) {
        const request = await variant.request(pools);
        const before = await probe.snapshot();
        const response = await app.request(request.url, { method: request.method, headers: request.headers, body: request.body });
        await assertCleanResponse(response, request, rules);
        const where = `${variant.field} = ${JSON.stringify(variant.value).slice(0, 60)}`;
        if (response.status >= 400) assert.deepEqual(await probe.snapshot(), before, `a failed request changed nothing: ${where}`);
        await probe.assertConsistent(where);
      }
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
    });
  }

  it('is healthy afterwards and the tables are intact', async () => {
    assert.equal((await t.publicApp.request('/health/ready')).status, 200);
    await registerAndLogin(t.publicApp, 'after-the-sweep@example.org');
    assert.ok((await probe.snapshot()).identities > 3, 'no DROP TABLE got through');
  });
});
