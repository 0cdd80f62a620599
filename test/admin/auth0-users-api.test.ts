// test-stores: both
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { identityFromCreateBody } from '../../src/identity/admin-identity-body.js';
import { testConfig } from '../helpers/config.js';
import { loginWithPassword } from '../helpers/password-login.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const USERS_KEY = 'users-api-key-for-the-fdw-0123456789';
const ADMIN_KEY = 'admin-api-key-0123456789abcdef';
const USER_COUNT = 123;
const FDW_PAGE_SIZE = 50;

interface UsersPage {
  start: number;
  limit: number;
  length: number;
  total: number;
  users: Array<Record<string, unknown>>;
}

describe('Auth0-style users API for auth0_fdw', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer(testConfig({ tessera: { users_api: { api_key: USERS_KEY }, admin: { api_key: ADMIN_KEY } } }));
    for (let i = 0; i < 3; i++) {
      await server.identities.createIdentity({
        createIdentityBody: {
          schema_id: 'default',
          traits: { email: `user-${String(i).padStart(3, '0')}@example.org`, name: `User ${i}` },
          ...(i === 0 ? { credentials: { password: { config: { password: 'fdw secret 1' } } }, metadata_public: { theme: 'dark' }, metadata_admin: { plan: 'pro' } } : {}),
          ...(i === 1 ? { state: 'inactive' as const } : {}),
          ...(i === 2 ? { verifiable_addresses: [{ value: 'user-002@example.org', via: 'email', verified: true, status: 'completed' }] } : {}),
        },
      });
    }
    // The rest in one transaction through the same code the importer uses (one HTTP create each is slow to fsync).
    const deps = server.runtime.deps;
    const rest = [];
    for (let i = 3; i < USER_COUNT; i++) {
      rest.push(await identityFromCreateBody(deps, { schema_id: 'default', traits: { email: `user-${String(i).padStart(3, '0')}@example.org`, name: `User ${i}` } }));
    }
    await deps.store.importIdentities(rest);
  });
  after(async () => {
    await server.close();
  });

  /** One request exactly as auth0_fdw builds it (auth0_client/mod.rs). */
  const fdwRequest = (page: number, key = USERS_KEY): Promise<Response> =>
    fetch(`${server.adminUrl}/api/v2/users?page=${page}&per_page=${FDW_PAGE_SIZE}&include_totals=true`, { headers: { authorization: `Bearer ${key}` } });

  it('pages through a user count that is not a multiple of 50 exactly as the FDW reads it', async () => {
    // rows_iterator.rs: fetch page 0, then keep going while total > 50 * pages fetched.
    const users: Array<Record<string, unknown>> = [];
    let pagesFetched = 0;
    let haveMore = true;
    while (haveMore) {
      const response = await fdwRequest(pagesFetched);
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
      const page = (await response.json()) as UsersPage;
      assert.equal(page.start, pagesFetched * FDW_PAGE_SIZE);
      assert.equal(page.limit, FDW_PAGE_SIZE);
      assert.equal(page.length, page.users.length);
      assert.equal(page.total, USER_COUNT);
      users.push(...page.users);
      pagesFetched++;
      haveMore = page.total > FDW_PAGE_SIZE * pagesFetched;
    }
    assert.equal(pagesFetched, 3);
    assert.equal(users.length, USER_COUNT);
    assert.equal(new Set(users.map((u) => u.user_id)).size, USER_COUNT, 'every user exactly once');
    for (const user of users) {
      assert.equal(typeof user.user_id, 'string');
      assert.match(String(user.created_at), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      assert.match(String(user.updated_at), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      assert.ok(Array.isArray(user.identities), 'identities is always an array');
      assert.equal(typeof user.logins_count, 'number');
      assert.equal(typeof user.email_verified, 'boolean');
    }
    const beyond = (await (await fdwRequest(3)).json()) as UsersPage;
    assert.deepEqual(beyond.users, []);
    assert.equal(beyond.total, USER_COUNT);
  });

  it('maps identities to Auth0 users, including logins, metadata, verification and blocking', async () => {
    await loginWithPassword(server, 'user-000@example.org', 'fdw secret 1');
    await loginWithPassword(server, 'user-000@example.org', 'fdw secret 1');
    const all: Array<Record<string, unknown>> = [];
    for (let page = 0; page < 3; page++) all.push(...((await (await fdwRequest(page)).json()) as UsersPage).users);
    const byEmail = new Map(all.map((u) => [u.email, u]));
    const first = byEmail.get('user-000@example.org')!;
    assert.equal(first.logins_count, 2);
    assert.match(String(first.last_login), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    assert.deepEqual(first.user_metadata, { theme: 'dark' });
    assert.deepEqual(first.app_metadata, { plan: 'pro' });
    assert.equal(first.name, 'User 0');
    assert.deepEqual(first.identities, [{ provider: 'tessera', user_id: first.user_id, connection: 'password', isSocial: false }]);
    assert.equal(byEmail.get('user-001@example.org')?.blocked, true);
    assert.equal(byEmail.get('user-003@example.org')?.blocked, false);
    assert.equal(byEmail.get('user-003@example.org')?.last_login, null);
    assert.deepEqual(byEmail.get('user-003@example.org')?.app_metadata, {});
    assert.equal(byEmail.get('user-002@example.org')?.email_verified, true);
    assert.equal(byEmail.get('user-003@example.org')?.email_verified, false);
  });

  it('answers 401 for a wrong or missing key, even with the admin key, and never leaks users', async () => {
    const attempts: Array<Record<string, string>> = [{ authorization: 'Bearer wrong' }, {}, { authorization: `Bearer ${ADMIN_KEY}` }, { authorization: USERS_KEY }];
    for (const headers of attempts) {
      const response = await fetch(`${server.adminUrl}/api/v2/users?page=0&per_page=50&include_totals=true`, { headers });
      assert.equal(response.status, 401);
      const body = (await response.json()) as { error: { code: number } };
      assert.equal(body.error.code, 401);
    }
    const badPage = await fetch(`${server.adminUrl}/api/v2/users?page=-1`, { headers: { authorization: `Bearer ${USERS_KEY}` } });
    assert.equal(badPage.status, 400);
  });

  it('returns the bare array form without include_totals, as Auth0 does', async () => {
    const response = await fetch(`${server.adminUrl}/api/v2/users?per_page=5`, { headers: { authorization: `Bearer ${USERS_KEY}` } });
    const body = (await response.json()) as unknown[];
    assert.ok(Array.isArray(body));
    assert.equal(body.length, 5);
  });
});

describe('Auth0-style users API without a configured key', () => {
  it('is disabled: the path answers 404', async () => {
    const server = await startTestServer();
    try {
      const response = await fetch(`${server.adminUrl}/api/v2/users?page=0&per_page=50&include_totals=true`, { headers: { authorization: 'Bearer anything-at-all' } });
      assert.equal(response.status, 404);
    } finally {
      await server.close();
    }
  });
});
