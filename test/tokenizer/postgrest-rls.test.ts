// test-stores: both
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { ensureCluster, type PostgresCluster } from '../helpers/postgres-cluster.js';
import { postgrestQuery, PostgrestRejection, type PostgrestSettings } from '../helpers/postgrest-request.js';
import { tempDir, testConfig } from '../helpers/config.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { fileUrl, privateJwk, seedSession, whoami, writeJwksFile } from '../helpers/tokenizer.js';

/**
 * Tokens from the shipped postgrest template on a real PostgreSQL 15, used the way PostgREST uses them
 * (consumers.md §1.10): roles as PostgREST expects them, a table protected by row-level security on
 * request.jwt.claims->>'sub', and per request set_config('role') + set_config('request.jwt.claims') in one
 * transaction. Each user sees and writes only their own rows.
 */
describe('PostgREST row-level security with Tessera tokens (real PostgreSQL 15)', () => {
  const dir = tempDir();
  const prefix = `tessera_rls_${randomBytes(4).toString('hex')}`;
  const roles = { authenticator: `${prefix}_authenticator`, web: `${prefix}_web`, anon: `${prefix}_anon` };
  const authenticatorPassword = randomBytes(18).toString('hex');
  let cluster: PostgresCluster;
  let database: string;
  let pool: pg.Pool;
  let server: TestServer;
  let settings: PostgrestSettings;
  const users: Record<'alice' | 'bob', { token: string; identityId: string; jwt: string }> = {} as never;

  async function tokenize(token: string): Promise<string> {
    const response = await whoami(server.publicUrl, token, 'postgrest');
    assert.equal(response.status, 200, JSON.stringify(response.body));
    return response.body.tokenized as string;
  }

  before(async () => {
    cluster = ensureCluster();
    database = cluster.createDatabase(prefix);
    cluster.psql(
      `create role ${roles.authenticator} login noinherit password '${authenticatorPassword}';
       create role ${roles.web} nologin;
       create role ${roles.anon} nologin;
       grant ${roles.web} to ${roles.authenticator};
       grant ${roles.anon} to ${roles.authenticator};
       create schema api;
       create table api.notes (
         id bigint generated always as identity primary key,
         owner uuid not null default (current_setting('request.jwt.claims', true)::json->>'sub')::uuid,
         body text not null
       );
       alter table api.notes enable row level security;
       create policy notes_of_their_owner on api.notes to ${roles.web}
         using (owner = (current_setting('request.jwt.claims', true)::json->>'sub')::uuid)
         with check (owner = (current_setting('request.jwt.claims', true)::json->>'sub')::uuid);
       grant usage on schema api to ${roles.web}, ${roles.anon};
       grant select, insert on api.notes to ${roles.web};`,
      database,
    );
    pool = new pg.Pool({ connectionString: `postgres://${roles.authenticator}:${authenticatorPassword}@127.0.0.1:${cluster.port}/${database}`, max: 2 });

    const jwks = fileUrl(writeJwksFile(dir, 'postgrest.jwks.json', { keys: [privateJwk('EdDSA')] }));
    const config = testConfig({ session: { whoami: { tokenizer: { templates: { postgrest: { jwks_url: jwks, claims_mapper_url: fileUrl(`${process.cwd()}/templates/postgrest.jsonnet`) } } } } } }, dir);
    server = await startTestServer(config);
    // PGRST_JWT_SECRET is the JWKS itself: PostgREST cannot fetch it (consumers.md §1.2).
    settings = { pool, jwtSecret: await (await fetch(`${server.publicUrl}/.well-known/jwks.json`)).text(), anonRole: roles.anon, schema: 'api' };

    for (const name of ['alice', 'bob'] as const) {
      const seeded = await seedSession(server.runtime.deps, { traits: { email: `${name}@example.org` }, metadataPublic: { role: roles.web } });
      users[name] = { ...seeded, jwt: await tokenize(seeded.token) };
      cluster.psql(`insert into api.notes (owner, body) values ('${seeded.identityId}', '${name} 1'), ('${seeded.identityId}', '${name} 2');`, database);
    }
  });

  after(async () => {
    await server?.close();
    await pool?.end();
    if (database) {
      cluster.dropDatabase(database);
      cluster.psql(`drop role if exists ${roles.authenticator}; drop role if exists ${roles.web}; drop role if exists ${roles.anon};`);
    }
  });

  it('lets each user read only their own rows', async () => {
    for (const name of ['alice', 'bob'] as const) {
      const rows = await postgrestQuery<{ owner: string; body: string }>(settings, users[name].jwt, 'select owner, body from notes order by body');
      assert.deepEqual(rows.map((r) => r.body), [`${name} 1`, `${name} 2`]);
      assert.ok(rows.every((r) => r.owner === users[name].identityId));
    }
  });

  it('exposes the claims to SQL, with the role PostgREST resolved', async () => {
    const [row] = await postgrestQuery<{ role: string; sub: string; email: string; current: string }>(
      settings,
      users.alice.jwt,
      `select current_setting('request.jwt.claims', true)::json->>'role' as role,
              current_setting('request.jwt.claims', true)::json->>'sub' as sub,
              current_setting('request.jwt.claims', true)::json->>'email' as email,
              current_user as current`,
    );
    assert.deepEqual(row, { role: roles.web, sub: users.alice.identityId, email: 'alice@example.org', current: roles.web });
  });

  it('lets a user insert rows for themselves only', async () => {
    const [inserted] = await postgrestQuery<{ owner: string }>(settings, users.bob.jwt, `insert into notes (body) values ('bob 3') returning owner`);
    assert.equal(inserted?.owner, users.bob.identityId);
    await assert.rejects(
      postgrestQuery(settings, users.bob.jwt, 'insert into notes (owner, body) values ($1, $2)', [users.alice.identityId, 'forged']),
      (error: unknown) => error instanceof PostgrestRejection && error.code === '42501' && /row-level security/.test(error.message),
    );
    const aliceRows = await postgrestQuery<{ body: string }>(settings, users.alice.jwt, 'select body from notes');
    assert.ok(!aliceRows.some((r) => r.body === 'forged' || r.body === 'bob 3'));
  });

  it('refuses a tampered token before any SQL, and gives anonymous requests the anon role only', async () => {
    const [header, payload, signature] = users.alice.jwt.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const forged = `${header}.${Buffer.from(JSON.stringify({ ...claims, sub: users.bob.identityId })).toString('base64url')}.${signature}`;
    await assert.rejects(postgrestQuery(settings, forged, 'select 1'), (error: unknown) => error instanceof PostgrestRejection && error.code === 'PGRST301');
    await assert.rejects(postgrestQuery(settings, null, 'select body from notes'), (error: unknown) => error instanceof PostgrestRejection && error.code === '42501');
  });

  it('fails like PostgREST (22023) when the role claim names no database role', async () => {
    const seeded = await seedSession(server.runtime.deps, { metadataPublic: { role: `${prefix}_missing` } });
    await assert.rejects(postgrestQuery(settings, await tokenize(seeded.token), 'select 1'), (error: unknown) => error instanceof PostgrestRejection && error.code === '22023');
  });
});
