// test-stores: both
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { tempDir, testConfig } from '../helpers/config.js';
import { codeBlocks } from '../helpers/markdown.js';
import { createScratchCluster, type PostgresCluster } from '../helpers/postgres-cluster.js';
import { postgrestQuery, PostgrestRejection, type PostgrestSettings } from '../helpers/postgrest-request.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { fileUrl, privateJwk, seedSession, whoami, writeJwksFile } from '../helpers/tokenizer.js';

/**
 * The PostgREST SQL of docs/tokenizer.md, read from the page and run as written (role names, the `'…'` password
 * and all) on a scratch PostgreSQL 15 cluster of this test's own, since roles are global to a cluster. Then
 * tokens of the shipped postgrest template, made by a running Tessera, are used on it the way PostgREST uses them
 * (test/helpers/postgrest-request.ts): so the page cannot drift from what works.
 */
describe('docs/tokenizer.md: the PostgREST SQL, as written, with real tokens (PostgreSQL 15)', () => {
  const dir = tempDir();
  const blocks = codeBlocks('docs/tokenizer.md', 'sql', 'PostgREST');
  let cluster: PostgresCluster;
  let database: string;
  let pool: pg.Pool;
  let server: TestServer;
  let settings: PostgrestSettings;

  async function tokenFor(metadataPublic: Record<string, unknown> | null, email: string): Promise<{ jwt: string; identityId: string }> {
    const seeded = await seedSession(server.runtime.deps, { traits: { email }, metadataPublic });
    const response = await whoami(server.publicUrl, seeded.token, 'postgrest');
    assert.equal(response.status, 200, JSON.stringify(response.body));
    return { jwt: response.body.tokenized as string, identityId: seeded.identityId };
  }

  before(async () => {
    assert.ok(blocks.length > 0, 'docs/tokenizer.md has SQL under "## PostgREST"');
    cluster = await createScratchCluster('docsql');
    database = cluster.createDatabase('docsql');
    for (const sql of blocks) cluster.psql(sql, database);
    // The password the page writes is the one the authenticator logs in with.
    const password = /create role authenticator login noinherit password '([^']*)'/.exec(blocks.join('\n'))?.[1];
    assert.ok(password !== undefined, 'the page creates the authenticator role with a password');
    pool = new pg.Pool({ host: '127.0.0.1', port: cluster.port, database, user: 'authenticator', password, max: 2 });

    const jwks = fileUrl(writeJwksFile(dir, 'postgrest.jwks.json', { keys: [privateJwk('EdDSA')] }));
    server = await startTestServer(
      testConfig({ session: { whoami: { tokenizer: { templates: { postgrest: { jwks_url: jwks, claims_mapper_url: fileUrl(`${process.cwd()}/templates/postgrest.jsonnet`) } } } } } }, dir),
    );
    settings = { pool, jwtSecret: await (await fetch(`${server.publicUrl}/.well-known/jwks.json`)).text(), anonRole: 'anon', schema: 'api' };
  });

  after(async () => {
    await server?.close();
    await pool?.end();
  });

  it('lets a signed-in user (role `authenticated`) write and read their own notes, and nobody else\'s', async () => {
    const ada = await tokenFor(null, 'ada@example.org');
    const bob = await tokenFor(null, 'bob@example.org');
    const [inserted] = await postgrestQuery<{ owner: string; role: string }>(settings, ada.jwt, `insert into notes (body) values ('ada''s note') returning owner, current_user as role`);
    assert.deepEqual(inserted, { owner: ada.identityId, role: 'authenticated' });
    assert.deepEqual(await postgrestQuery(settings, ada.jwt, 'select body from notes'), [{ body: "ada's note" }]);
    assert.deepEqual(await postgrestQuery(settings, bob.jwt, 'select body from notes'), []);
    await assert.rejects(
      postgrestQuery(settings, bob.jwt, 'insert into notes (owner, body) values ($1, $2)', [ada.identityId, 'forged']),
      (error: unknown) => error instanceof PostgrestRejection && error.code === '42501',
    );
    // Without a token PostgREST uses the anon role, which may not read the table (PostgREST: 401).
    await assert.rejects(postgrestQuery(settings, null, 'select body from notes'), (error: unknown) => error instanceof PostgrestRejection && error.code === '42501');
  });

  it('fails as the page says for a role that does not exist (22023) and for one not granted to the authenticator (42501)', async () => {
    cluster.psql('create role reporting nologin', database);
    const missing = await tokenFor({ role: 'ghost' }, 'ghost@example.org');
    await assert.rejects(postgrestQuery(settings, missing.jwt, 'select 1'), (error: unknown) => error instanceof PostgrestRejection && error.code === '22023' && /role "ghost" does not exist/.test(error.message));
    const notGranted = await tokenFor({ role: 'reporting' }, 'rita@example.org');
    await assert.rejects(
      postgrestQuery(settings, notGranted.jwt, 'select 1'),
      (error: unknown) => error instanceof PostgrestRejection && error.code === '42501' && /permission denied to set role "reporting"/.test(error.message),
    );
  });
});
