// test-stores: both
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Identity } from '@ory/client-fetch';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { loginWithPassword } from '../helpers/password-login.js';
import { errorOf, sdkError } from '../helpers/sdk-errors.js';

// Kratos's own import test vectors (identity/handler_test.go); each is the hash of "123456".
const IMPORTED_HASHES: Record<string, string> = {
  pbkdf2: '$pbkdf2-sha256$i=1000,l=128$e8/arsEf4cvQihdNgqj0Nw$5xQQKNTyeTHx2Ld5/JDE7A',
  bcrypt: '$2a$10$ZsCsoVQ3xfBG/K2z2XpBf.tm90GZmtOqtqWcB5.pYd5Eq8y7RlDyq',
  argon2i: '$argon2i$v=19$m=65536,t=3,p=4$STVE4CQ9qQ1dK/j224VMbA$o8b+k5wdHgBqf7ES+aWG2K7Y9diQ6ahEhbW8zcstXGo',
  argon2id: '$argon2id$v=19$m=16,t=2,p=1$bVI1aE1SaTV6SGQ3bzdXdw$fnjCcZYmEPOUOjYXsT92Cg',
  scrypt: '$scrypt$ln=16384,r=8,p=1$ZtQva9xCHzlSELH/mA7Kj5KjH2tCrkbwYzdxknkL0QQ=$pnTcXKaWVT+FwFDdk3vO1K0J7ZgOxdSU1tCJNYmn8zI=',
};

describe('Kratos admin identity API through the official SDK', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  const storedHash = async (id: string): Promise<string> => {
    const identity = await server.identities.getIdentity({ id, includeCredential: ['password'] });
    return String((identity.credentials?.password?.config as Record<string, unknown>).hashed_password);
  };

  it('creates an identity with metadata, external id and a plaintext password, and answers 201 with Location', async () => {
    const raw = await server.identities.createIdentityRaw({
      createIdentityBody: {
        schema_id: 'default',
        traits: { email: 'Create@Example.org', name: 'Created' },
        metadata_public: { plan: 'pro' },
        metadata_admin: { crm: 42 },
        external_id: 'crm-42',
        credentials: { password: { config: { password: 'x' } } },
      },
    });
    assert.equal(raw.raw.status, 201);
    const created = await raw.value();
    assert.ok(raw.raw.headers.get('location')?.endsWith(`/identities/${created.id}`));
    assert.deepEqual(created.metadata_admin, { crm: 42 });
    assert.equal(created.external_id, 'crm-42');
    assert.deepEqual(created.credentials?.password?.identifiers, ['create@example.org']);
    assert.equal(created.credentials?.password?.config, undefined, 'the hash is never shown without include_credential');
    // No password policy on admin import, as in Kratos: the one-letter password works.
    await loginWithPassword(server, 'create@example.org', 'x');
    assert.match(await storedHash(created.id), /^\$argon2id\$/);

    const byExternal = await server.identities.getIdentityByExternalID({ externalID: 'crm-42' });
    assert.equal(byExternal.id, created.id);
    const missing = await sdkError(server.identities.getIdentityByExternalID({ externalID: 'nope' }));
    assert.equal(missing.status, 404);
  });

  it('refuses conflicts, unknown fields and unusable hashes with Kratos status codes and reasons', async () => {
    const body = { schema_id: 'default', traits: { email: 'dup@example.org' } };
    await server.identities.createIdentity({ createIdentityBody: body });
    const duplicate = await sdkError(server.identities.createIdentity({ createIdentityBody: { ...body, traits: { email: 'DUP@example.org' } } }));
    assert.equal(duplicate.status, 409);
    assert.equal(errorOf(duplicate.body).reason, 'This identity conflicts with another identity that already exists.');

    const unknownField = await fetch(`${server.adminUrl}/admin/identities`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...body, nope: 1 }) });
    assert.equal(unknownField.status, 400);
    assert.equal(errorOf((await unknownField.json()) as Record<string, unknown>).message, 'json: unknown field "nope"');

    const cases: Array<[string, string]> = [
      ['{SSHA-nonsense}abc', 'The imported password does not match any known hash format.'],
      ['$md6$abc', 'The imported password does not match any known hash format.'],
      ['$2a$16$ZsCsoVQ3xfBG/K2z2XpBf.tm90GZmtOqtqWcB5.pYd5Eq8y7RlDyq', 'The imported password hash declares cost parameters that exceed the bounds enforced by Ory. Re-hash the password with a more conservative configuration before importing.'],
      ['$scrypt$ln=16384,r=8,p=1$not base64!$x', 'The imported password hash could not be parsed.'],
    ];
    for (const [hash, reason] of cases) {
      const failed = await sdkError(server.identities.createIdentity({ createIdentityBody: { schema_id: 'default', traits: { email: 'hash@example.org' }, credentials: { password: { config: { hashed_password: hash } } } } }));
      assert.equal(failed.status, 400, hash);
      assert.equal(errorOf(failed.body).reason, reason, hash);
    }
    // A failed request changes nothing: the identity from the refused requests does not exist.
    assert.deepEqual(await server.identities.listIdentities({ credentialsIdentifier: 'hash@example.org' }), []);
  });

  it('imports argon2id, argon2i, bcrypt, pbkdf2 and scrypt hashes; each logs in and is rehashed to argon2id', async () => {
    for (const [name, hash] of Object.entries(IMPORTED_HASHES)) {
      const email = `import-${name}@example.org`;
      const identity = await server.identities.createIdentity({ createIdentityBody: { schema_id: 'default', traits: { email }, credentials: { password: { config: { hashed_password: hash } } } } });
      assert.equal(await storedHash(identity.id), hash, `${name} is stored as imported`);
      const wrong = await sdkError(loginWithPassword(server, email, '1234567'));
      assert.equal(wrong.status, 400, `${name}: a wrong password fails`);
      await loginWithPassword(server, email, '123456');
      const rehashed = await storedHash(identity.id);
      assert.match(rehashed, /^\$argon2id\$v=19\$m=1024,t=1,p=1\$/, `${name} is rehashed with the configured parameters, in Kratos's parameter order`);
      await loginWithPassword(server, email, '123456');
    }
  });

  it('lists with keyset pagination and writes the Link header exactly as Kratos does', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await server.identities.createIdentity({ createIdentityBody: { schema_id: 'default', traits: { email: `page-${i}@example.org` } } })).id);
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    for (;;) {
      const raw = await server.identities.listIdentitiesRaw({ pageSize: 3, pageToken: token });
      const page = await raw.value();
      const link = raw.raw.headers.get('link') ?? '';
      const first = `</admin/identities?page_size=3&page_token=00000000-0000-0000-0000-000000000000>; rel="first"`;
      assert.ok(link.startsWith(first), link);
      seen.push(...page.map((i: Identity) => i.id));
      pages++;
      const next = /<\/admin\/identities\?page_size=3&page_token=([0-9a-f-]{36})>; rel="next"$/.exec(link);
      if (!next) {
        assert.equal(link, first);
        break;
      }
      assert.equal(link, `${first},</admin/identities?page_size=3&page_token=${next[1]}>; rel="next"`);
      assert.equal(next[1], page[page.length - 1]?.id);
      token = next[1];
    }
    const total = seen.length;
    assert.equal(new Set(seen).size, total, 'no identity is listed twice');
    assert.ok(ids.every((id) => seen.includes(id)));
    assert.equal(pages, Math.ceil(total / 3));
    assert.deepEqual([...seen].sort(), seen, 'keyset order is by id');
  });

  it('filters by credentials_identifier and ids, refuses combined filters, and supports legacy page pagination', async () => {
    const a = await server.identities.createIdentity({ createIdentityBody: { schema_id: 'default', traits: { email: 'filter-a@example.org' }, credentials: { password: { config: { password: 'secret' } } } } });
    const b = await server.identities.createIdentity({ createIdentityBody: { schema_id: 'default', traits: { email: 'filter-b@example.org' } } });
    const byIdentifier = await server.identities.listIdentities({ credentialsIdentifier: 'FILTER-A@example.org' });
    assert.deepEqual(byIdentifier.map((i) => i.id), [a.id]);
    assert.deepEqual(Object.keys(byIdentifier[0]?.credentials ?? {}), ['password'], 'the identifier filter expands credentials');
    const byIds = await server.identities.listIdentities({ ids: [a.id, b.id] });
    assert.deepEqual(byIds.map((i) => i.id).sort(), [a.id, b.id].sort());
    assert.ok(byIds.every((i) => i.credentials === undefined), 'credentials only with include_credential or an identifier filter');
    // Like Kratos, an identity created without a password still owns its identifier.
    const b2 = await server.identities.getIdentity({ id: b.id });
    assert.deepEqual(b2.credentials?.password?.identifiers, ['filter-b@example.org']);

    const combined = await sdkError(server.identities.listIdentities({ ids: [a.id], credentialsIdentifier: 'filter-a@example.org' }));
    assert.equal(combined.status, 400);
    assert.equal(errorOf(combined.body).reason, 'You cannot combine multiple filters in this API');
    const badId = await sdkError(server.identities.listIdentities({ ids: ['nope'] }));
    assert.equal(errorOf(badId.body).reason, 'Invalid UUID value `nope` for parameter `ids`.');
    const badToken = await sdkError(server.identities.listIdentities({ pageToken: 'crafted' }));
    assert.equal(errorOf(badToken.body).reason, 'The page token is invalid, do not craft your own page tokens');

    const legacy = await fetch(`${server.adminUrl}/admin/identities?page=0&per_page=2`);
    const total = Number(legacy.headers.get('x-total-count'));
    assert.ok(total >= 2);
    assert.equal(((await legacy.json()) as unknown[]).length, 2);
    const lastOffset = total % 2 === 0 ? total - 2 : Math.trunc(total / 2) * 2;
    assert.equal(legacy.headers.get('link'), `</admin/identities?page=1&per_page=2>; rel="next",</admin/identities?page=${lastOffset / 2}&per_page=2>; rel="last"`);
    const tooFar = await fetch(`${server.adminUrl}/admin/identities?page=11&per_page=100`);
    assert.equal(tooFar.status, 400);
  });

  it('matches OIDC subjects of credentials_identifier exactly, since they are case-sensitive, and password identifiers normalized', async () => {
    const linked = (email: string, subject: string) =>
      server.identities.createIdentity({ createIdentityBody: { schema_id: 'default', traits: { email }, credentials: { oidc: { config: { providers: [{ provider: 'google', subject }] } } } } });
    const upper = await linked('subject-upper@example.org', 'AbC-123');
    const lower = await linked('subject-lower@example.org', 'abc-123');
    const ids = async (identifier: string): Promise<string[]> => (await server.identities.listIdentities({ credentialsIdentifier: identifier })).map((i) => i.id);
    assert.deepEqual(await ids('google:AbC-123'), [upper.id]);
    assert.deepEqual(await ids('google:abc-123'), [lower.id]);
    assert.deepEqual(await ids('google:ABC-123'), [], 'no subject is spelled like this');
    assert.deepEqual(await ids('Google:abc-123'), [], 'provider ids are exact too');
    // Password identifiers are stored normalized, so any spelling of the address finds its owner.
    assert.deepEqual(await ids(' Subject-Upper@EXAMPLE.org'), [upper.id]);
    assert.deepEqual(Object.keys((await server.identities.listIdentities({ credentialsIdentifier: 'google:AbC-123' }))[0]?.credentials ?? {}).sort(), ['oidc', 'password']);
  });

  it('gets with include_credential, and answers 404 for unknown identities', async () => {
    const created = await server.identities.createIdentity({ createIdentityBody: { schema_id: 'default', traits: { email: 'get@example.org' }, credentials: { password: { config: { hashed_password: IMPORTED_HASHES.bcrypt } } } } });
    const plain = await server.identities.getIdentity({ id: created.id });
    assert.equal(plain.credentials?.password?.config, undefined);
    const declassified = await server.identities.getIdentity({ id: created.id, includeCredential: ['password'] });
    assert.deepEqual(declassified.credentials?.password?.config, { hashed_password: IMPORTED_HASHES.bcrypt });
    const invalid = await fetch(`${server.adminUrl}/admin/identities/${created.id}?include_credential=magic`);
    assert.equal(invalid.status, 400);
    for (const id of ['6f8a3c40-4a3e-4e1c-8f0a-3f3f6b6b9c1d', 'not-a-uuid']) {
      const missing = await sdkError(server.identities.getIdentity({ id }));
      assert.equal(missing.status, 404);
      assert.deepEqual(missing.body, { error: { code: 404, status: 'Not Found', message: 'Unable to locate the resource' } });
    }
  });

  it('updates with PUT: new traits move the login identifier, inactive state refuses login and whoami', async () => {
    const created = await server.identities.createIdentity({ createIdentityBody: { schema_id: 'default', traits: { email: 'put@example.org' }, credentials: { password: { config: { password: 'put secret 1' } } } } });
    const before = await loginWithPassword(server, 'put@example.org', 'put secret 1');
    const updated = await server.identities.updateIdentity({
      id: created.id,
      updateIdentityBody: { schema_id: 'default', state: 'active', traits: { email: 'moved@example.org' }, metadata_public: { moved: true } },
    });
    assert.deepEqual(updated.credentials?.password?.identifiers, ['moved@example.org']);
    assert.deepEqual(updated.metadata_public, { moved: true });
    assert.equal(updated.external_id, undefined);
    await loginWithPassword(server, 'moved@example.org', 'put secret 1');
    assert.equal((await sdkError(loginWithPassword(server, 'put@example.org', 'put secret 1'))).status, 400);

    const deactivated = await server.identities.updateIdentity({ id: created.id, updateIdentityBody: { schema_id: 'default', state: 'inactive', traits: { email: 'moved@example.org' } } });
    assert.equal(deactivated.state, 'inactive');
    assert.ok(deactivated.state_changed_at && deactivated.state_changed_at > (updated.state_changed_at ?? new Date(0)));
    const whoami = await sdkError(server.frontend.toSession({ xSessionToken: before.token }));
    assert.equal(whoami.status, 401, 'an inactive identity has no valid session');
    const tokenize = await fetch(`${server.publicUrl}/sessions/whoami?tokenize_as=any`, { headers: { 'X-Session-Token': before.token } });
    assert.equal(tokenize.status, 401, 'and no tokenization');
    const login = await sdkError(loginWithPassword(server, 'moved@example.org', 'put secret 1'));
    assert.equal(login.status, 401);
    assert.equal(errorOf(login.body).id, 'identity_disabled');

    const badState = await sdkError(server.identities.updateIdentity({ id: created.id, updateIdentityBody: { schema_id: 'default', state: 'paused' as 'active', traits: { email: 'moved@example.org' } } }));
    assert.equal(badState.status, 400);
    const badTraits = await sdkError(server.identities.updateIdentity({ id: created.id, updateIdentityBody: { schema_id: 'default', state: 'active', traits: { email: 'moved@example.org', unknown: 1 } } }));
    assert.equal(badTraits.status, 400);
    assert.equal((await server.identities.getIdentity({ id: created.id })).state, 'inactive', 'a refused update changes nothing');
    const missing = await sdkError(server.identities.updateIdentity({ id: '6f8a3c40-4a3e-4e1c-8f0a-3f3f6b6b9c1d', updateIdentityBody: { schema_id: 'default', state: 'active', traits: {} } }));
    assert.equal(missing.status, 404);
  });

  it('patches with RFC 6902 and refuses Kratos\'s denied paths', async () => {
    const created = await server.identities.createIdentity({ createIdentityBody: { schema_id: 'default', traits: { email: 'patch@example.org' }, credentials: { password: { config: { password: 'patch secret 1' } } } } });
    const patched = await server.identities.patchIdentity({
      id: created.id,
      jsonPatch: [
        { op: 'replace', path: '/traits/name', value: 'Patched' },
        { op: 'add', path: '/metadata_admin/tier', value: 'gold' },
        { op: 'replace', path: '/external_id', value: 'ext-patch' },
        { op: 'replace', path: '/verifiable_addresses/0/verified', value: true },
      ],
    });
    assert.equal((patched.traits as Record<string, unknown>).name, 'Patched');
    assert.deepEqual(patched.metadata_admin, { tier: 'gold' });
    assert.equal(patched.external_id, 'ext-patch');
    assert.equal(patched.verifiable_addresses?.[0]?.verified, true);

    for (const path of ['/id', '/credentials', '/credentials/oidc', '/credentials/oidc/config/providers/0']) {
      const denied = await sdkError(server.identities.patchIdentity({ id: created.id, jsonPatch: [{ op: 'replace', path, value: 'x' }] }));
      assert.equal(denied.status, 400);
      assert.equal(errorOf(denied.body).reason, 'failed to apply JSON patch');
      assert.equal(errorOf(denied.body).message, `patch includes denied path: ${path}`);
    }
    const move = await sdkError(server.identities.patchIdentity({ id: created.id, jsonPatch: [{ op: 'move', path: '/traits/name', from: '/traits/email' }] }));
    assert.equal(errorOf(move.body).message, 'unsupported operation: move');
    const badState = await sdkError(server.identities.patchIdentity({ id: created.id, jsonPatch: [{ op: 'replace', path: '/state', value: 'paused' }] }));
    assert.equal(errorOf(badState.body).reason, "The supplied state ('paused') was not valid. Valid states are ('active', 'inactive').");

    // Kratos allows replacing the password hash through PATCH; Tessera also checks that it can verify it.
    const rehashed = await server.identities.patchIdentity({ id: created.id, jsonPatch: [{ op: 'replace', path: '/credentials/password/config/hashed_password', value: IMPORTED_HASHES.bcrypt }] });
    assert.equal(rehashed.credentials?.password?.config, undefined);
    await loginWithPassword(server, 'patch@example.org', '123456');
    const unknownHash = await sdkError(server.identities.patchIdentity({ id: created.id, jsonPatch: [{ op: 'replace', path: '/credentials/password/config/hashed_password', value: 'foo' }] }));
    assert.equal(errorOf(unknownHash.body).reason, 'The imported password does not match any known hash format.');

    const empty = await fetch(`${server.adminUrl}/admin/identities/${created.id}`, { method: 'PATCH' });
    assert.equal(empty.status, 400);
    assert.equal(errorOf((await empty.json()) as Record<string, unknown>).message, 'unexpected end of JSON input');
  });

  it('deletes an identity with its sessions, then answers 404', async () => {
    const created = await server.identities.createIdentity({ createIdentityBody: { schema_id: 'default', traits: { email: 'delete@example.org' }, credentials: { password: { config: { password: 'delete secret 1' } } } } });
    const { token } = await loginWithPassword(server, 'delete@example.org', 'delete secret 1');
    const raw = await server.identities.deleteIdentityRaw({ id: created.id });
    assert.equal(raw.raw.status, 204);
    assert.equal((await sdkError(server.frontend.toSession({ xSessionToken: token }))).status, 401);
    assert.equal((await sdkError(server.identities.getIdentity({ id: created.id }))).status, 404);
    assert.equal((await sdkError(server.identities.deleteIdentity({ id: created.id }))).status, 404);
  });

  it('removes a password credential, after which the password no longer logs in', async () => {
    const created = await server.identities.createIdentity({ createIdentityBody: { schema_id: 'default', traits: { email: 'nocred@example.org' }, credentials: { password: { config: { password: 'nocred secret 1' } } } } });
    await loginWithPassword(server, 'nocred@example.org', 'nocred secret 1');
    const raw = await server.identities.deleteIdentityCredentialsRaw({ id: created.id, type: 'password' });
    assert.equal(raw.raw.status, 204);
    assert.equal((await sdkError(loginWithPassword(server, 'nocred@example.org', 'nocred secret 1'))).status, 400);
    assert.equal((await sdkError(server.identities.deleteIdentityCredentials({ id: created.id, type: 'password' }))).status, 404);
  });

  it('serves the same routes without the /admin prefix, as Kratos rewrites them', async () => {
    const response = await fetch(`${server.adminUrl}/identities?page_size=1`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('link') ?? '', /^<\/admin\/identities\?page_size=1&page_token=0{8}-0{4}-0{4}-0{4}-0{12}>; rel="first"/);
  });
});
