import assert from 'node:assert/strict';
import type { Hono } from 'hono';
import type { AppEnv } from '../../src/http/app-env.js';
import { jsonOf } from '../helpers/http.js';
import type { InProcessTessera } from '../helpers/in-process.js';
import type { Pools } from './endpoint-catalogue.js';
import { noOidcPools } from './oidc-hints.js';

const JSON_HEADERS = { 'content-type': 'application/json' };
const SEED_PASSWORD = 'a perfectly fine passphrase 1';

export async function createFlow(app: Hono<AppEnv>, kind: 'login' | 'registration'): Promise<string> {
  const response = await app.request(`/self-service/${kind}/api`);
  assert.equal(response.status, 200);
  return String((await jsonOf(response)).id);
}

/** Registers, logs in and calls whoami; returns the login's session token and the identity id. */
export async function registerAndLogin(
  app: Hono<AppEnv>,
  email: string,
  password = 'a perfectly fine passphrase 1',
): Promise<{ token: string; identityId: string; sessionId: string; loginFlowId: string; registrationFlowId: string }> {
  const registrationFlowId = await createFlow(app, 'registration');
  const registered = await app.request(`/self-service/registration?flow=${registrationFlowId}`, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ method: 'password', password, traits: { email } }) });
  assert.equal(registered.status, 200, await registered.clone().text());
  const identityId = String(((await jsonOf(registered)).identity as { id: string }).id);
  const loginFlowId = await createFlow(app, 'login');
  const login = await app.request(`/self-service/login?flow=${loginFlowId}`, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ method: 'password', identifier: email, password }) });
  assert.equal(login.status, 200, await login.clone().text());
  const token = String((await jsonOf(login)).session_token);
  const whoami = await app.request('/sessions/whoami', { headers: { 'x-session-token': token } });
  assert.equal(whoami.status, 200);
  const sessionId = String((await jsonOf(whoami)).id);
  return { token, identityId, sessionId, loginFlowId, registrationFlowId };
}

/**
 * Real things for the generators to aim at: two users with sessions, fresh flows, flows already completed, and
 * flows that have expired (made before the clock was moved on).
 */
export async function seed(t: InProcessTessera, adminKey: string): Promise<Pools> {
  const pools: Pools = {
    loginFlowIds: [],
    registrationFlowIds: [],
    identityIds: [],
    sessionIds: [],
    sessionTokens: [],
    schemaIds: ['default', Buffer.from('default').toString('base64url')],
    identifiers: ['seed-one@example.org', 'seed-two@example.org'],
    password: SEED_PASSWORD,
    usersApiKey: t.deps.config.tessera.users_api.api_key ?? '',
    ...noOidcPools(),
  };
  for (let i = 0; i < 2; i++) {
    pools.loginFlowIds.push(await createFlow(t.publicApp, 'login'));
    pools.registrationFlowIds.push(await createFlow(t.publicApp, 'registration'));
  }
  t.clock.advance(2 * 60 * 60 * 1000);
  for (const email of pools.identifiers) {
    const user = await registerAndLogin(t.publicApp, email, SEED_PASSWORD);
    pools.identityIds.push(user.identityId);
    pools.sessionTokens.push(user.token);
    pools.sessionIds.push(user.sessionId);
    pools.loginFlowIds.push(user.loginFlowId);
    pools.registrationFlowIds.push(user.registrationFlowId);
  }
  for (let i = 0; i < 10; i++) {
    pools.loginFlowIds.push(await createFlow(t.publicApp, 'login'));
    pools.registrationFlowIds.push(await createFlow(t.publicApp, 'registration'));
  }
  const noPassword = await t.adminApp.request('/admin/identities', {
    method: 'POST',
    headers: { ...JSON_HEADERS, authorization: `Bearer ${adminKey}` },
    body: JSON.stringify({ schema_id: 'default', traits: { email: 'seed-admin@example.org' } }),
  });
  assert.equal(noPassword.status, 201);
  pools.identityIds.push(String((await jsonOf(noPassword)).id));
  return pools;
}
