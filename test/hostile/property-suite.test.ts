// test-stores: both
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { createAdminApi } from '../../src/http/admin-app.js';
import { testConfig } from '../helpers/config.js';
import { inProcess } from '../helpers/in-process.js';
import { endpointsOf, hintsFor, type Pools } from './endpoint-catalogue.js';
import { FRESH_OIDC_STATE, seedOidc, startHostileOp } from './oidc-hints.js';
import { FRESH_FLOW_ID, hostileRequest } from './request-arbitrary.js';
import { DatabaseProbe } from './database-probe.js';
import { assertCleanResponse, redirectPrefixesOf } from './response-checks.js';
import { createFlow, registerAndLogin, seed } from './seed.js';

/** Runs per endpoint; raise it for a longer hunt: HOSTILE_RUNS=1000 npm test -- hostile */
const RUNS = Number(process.env.HOSTILE_RUNS ?? 60);
const ADMIN_KEY = 'hostile-suite-admin-key-0123456789';

// Top-level await: the endpoints are read from the real route tables before the tests are declared.
const USERS_KEY = 'hostile-suite-users-key-0123456789';
const upstream = await startHostileOp();
const t = await inProcess(testConfig({ tessera: { admin: { api_key: ADMIN_KEY }, users_api: { api_key: USERS_KEY } }, ...upstream.config }));
const pools: Pools = await seed(t, ADMIN_KEY);
await seedOidc(t, upstream.op, pools);
const probe = await DatabaseProbe.open(t.deps.config.dsn);
const rules = { redirectPrefixes: redirectPrefixesOf(t.deps.config) };
const endpoints = [...endpointsOf(t.publicApp, 'public'), ...endpointsOf(createAdminApi(t.deps), 'admin')];

describe(`hostile input, property-based (${RUNS} runs per endpoint)`, () => {
  after(async () => {
    await probe.close();
    await t.close();
    await upstream.op.close();
  });

  it('discovers the endpoints from the apps', (ctx) => {
    const paths = endpoints.map((e) => `${e.method} ${e.path}`);
    for (const expected of ['POST /self-service/login', 'POST /self-service/registration', 'GET /sessions/whoami', 'DELETE /self-service/logout/api', 'POST /admin/identities', 'GET /admin/identities/:id']) {
      assert.ok(paths.includes(expected), `${expected} is discovered`);
    }
    const unhinted = endpoints.filter((e) => Object.keys(hintsFor(e)).length === 0).map((e) => `${e.app} ${e.method} ${e.path}`);
    ctx.diagnostic(`${endpoints.length} endpoints; fuzzed with generic inputs only (add hints in endpoint-catalogue.ts): ${unhinted.join(', ')}`);
  });

  for (const endpoint of endpoints) {
    it(`${endpoint.app} ${endpoint.method} ${endpoint.path}`, async (ctx) => {
      const app = endpoint.app === 'public' ? t.publicApp : t.adminApp;
      const statuses = new Map<number, number>();
      await fc.assert(
        fc.asyncProperty(hostileRequest(endpoint, pools, ADMIN_KEY), async (request) => {
          const flowKind = hintsFor(endpoint).flowParam?.kind;
          if (flowKind && request.url.includes(FRESH_FLOW_ID)) request.url = request.url.replace(FRESH_FLOW_ID, await createFlow(t.publicApp, flowKind));
          if (request.url.includes(FRESH_OIDC_STATE)) request.url = request.url.replace(FRESH_OIDC_STATE, encodeURIComponent(await pools.freshOidcState()));
          const before = await probe.snapshot();
          const response = await app.request(request.url, { method: request.method, headers: request.headers, body: request.body });
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          await assertCleanResponse(response, request, rules);
          if (response.status >= 400) assert.deepEqual(await probe.snapshot(), before, `a failed request changed nothing: ${request.method} ${request.url.slice(0, 200)}`);
          await probe.assertConsistent(`after ${request.method} ${request.url.slice(0, 120)}`);
          assert.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype is untouched');
        }),
        { numRuns: RUNS, endOnFailure: true },
      );
      // An endpoint with a key of its own is reached with it, not stopped at its door.
      if (hintsFor(endpoint).bearer) assert.ok(statuses.has(200), `the fuzz never got past the key of ${endpoint.path}: ${[...statuses.keys()].join(', ')}`);
      // Shows that the inputs get past the first checks (not only 404s and 401s).
      ctx.diagnostic(`statuses: ${[...statuses].sort(([a], [b]) => a - b).map(([status, n]) => `${status}×${n}`).join(' ')}`);
    });
  }

  it('is healthy afterwards: ready, and a new user can register and log in', async () => {
    assert.equal((await t.publicApp.request('/health/ready')).status, 200);
    assert.equal((await t.adminApp.request('/health/ready')).status, 200);
    await registerAndLogin(t.publicApp, 'after-the-storm@example.org');
  });
});
