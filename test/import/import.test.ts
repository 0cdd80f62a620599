// test-stores: both
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Config } from '../../src/config/types.js';
import { runImport } from '../../src/import/run-import.js';
import { auth0ExportLine, auth0HashExportLine, bcryptHash, supabaseUserRow } from '../helpers/export-fixtures.js';
import { tempDir, testConfig } from '../helpers/config.js';
import { loginWithPassword } from '../helpers/password-login.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { sdkError } from '../helpers/sdk-errors.js';

const repoRoot = process.cwd();
/** Enough records for several batches; the 100,000-record run is bench/import-100k.ts (docs/migrating.md). */
const AUTH0_USERS = 2500;

async function storedHash(server: TestServer, id: string): Promise<string> {
  const identity = await server.identities.getIdentity({ id, includeCredential: ['password'] });
  return String((identity.credentials?.password?.config as Record<string, unknown>).hashed_password);
}

/** The config as a kratos.yml the CLI can read (same database file, same schema). */
function writeKratosYml(dir: string, config: Config): string {
  const file = join(dir, 'kratos.yml');
  writeFileSync(
    file,
    [
      `dsn: ${config.dsn}`,
      'identity:',
      '  default_schema_id: default',
      `  schemas: [{ id: default, url: "file://${join(repoRoot, 'templates/identity.schema.json')}" }]`,
      'hashers: { argon2: { memory: 1MB, iterations: 1, parallelism: 1 } }',
      'log: { level: silent }',
    ].join('\n'),
  );
  return file;
}

async function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'src/main.ts'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

describe('tessera import', () => {
  it('imports an Auth0 password-hash export with the CLI, idempotently, and its users log in and are rehashed', async () => {
    const dir = tempDir();
    const config = testConfig({}, dir);
    const sharedHash = bcryptHash('shared password 1');
    const lines: string[] = [];
    for (let i = 0; i < AUTH0_USERS; i++) lines.push(auth0HashExportLine(i, i === 7 ? bcryptHash('own password 7', 10) : sharedHash));
    lines.splice(100, 0, '{not json');
    lines.push(JSON.stringify({ _id: { $oid: 'f'.repeat(24) }, passwordHash: sharedHash }));
    lines.push(auth0HashExportLine(AUTH0_USERS + 1, '$md6$unknown'));
    lines.push(auth0HashExportLine(3, sharedHash));
    const file = join(dir, 'auth0-users.ndjson');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const kratosYml = writeKratosYml(dir, config);

    const first = await runCli(['import', file, '-c', kratosYml]);
    assert.equal(first.code, 2, `failures make the exit code 2\n${first.stderr}`);
    assert.match(first.stdout, /format: auth0/);
    assert.match(first.stdout, new RegExp(`imported: ${AUTH0_USERS}\\n`));
    assert.match(first.stdout, /skipped: +1 /);
    assert.match(first.stdout, /failed: +3\n/);
    assert.match(first.stdout, /record 101 \(line 101\): not valid JSON/);
    assert.match(first.stdout, /the user has no email, username or phone number/);
    assert.match(first.stdout, /The imported password does not match any known hash format\./);
    assert.match(first.stdout, /1 × an identity with this external_id exists/);
    assert.doesNotMatch(first.stdout + first.stderr, /\$2[aby]\$/, 'hashes are never printed');

    const second = await runCli(['import', file, '-c', kratosYml, '--format', 'auth0']);
    assert.match(second.stdout, /imported: 0\n/);
    assert.match(second.stdout, new RegExp(`skipped: +${AUTH0_USERS + 1} `));

    const server = await startTestServer(config);
    try {
      const [user] = await server.identities.listIdentities({ credentialsIdentifier: 'auth0-user-7@example.org' });
      assert.ok(user);
      assert.equal(user.external_id, `auth0|${(7).toString(16).padStart(24, '0')}`);
      assert.equal(user.verifiable_addresses?.[0]?.verified, false);
      assert.match(await storedHash(server, user.id), /^\$2b\$10\$/);
      assert.equal((await sdkError(loginWithPassword(server, 'auth0-user-7@example.org', 'shared password 1'))).status, 400);
      await loginWithPassword(server, 'auth0-user-7@example.org', 'own password 7');
      assert.match(await storedHash(server, user.id), /^\$argon2id\$/, 'rehashed on the first successful login');
      await loginWithPassword(server, 'auth0-user-7@example.org', 'own password 7');
      await loginWithPassword(server, 'auth0-user-2000@example.org', 'shared password 1');
      assert.equal(await server.runtime.deps.store.countIdentities(), AUTH0_USERS);
    } finally {
      await server.close();
    }
  });

  it('imports an Auth0 user export with profile, metadata and login statistics', async () => {
    const config = testConfig();
    const server = await startTestServer(config);
    try {
      const dir = tempDir();
      const file = join(dir, 'users.json');
      writeFileSync(file, [auth0ExportLine(1), auth0ExportLine(2, { blocked: true, email_verified: false })].join('\n'));
      const summary = await runImport(server.runtime.deps, { file });
      assert.equal(summary.imported, 2);
      const [one] = await server.identities.listIdentities({ credentialsIdentifier: 'auth0-user-1@example.org' });
      assert.equal(one?.external_id, `auth0|${'1'.padStart(24, '0')}`);
      assert.deepEqual(one?.traits, { email: 'auth0-user-1@example.org', name: 'Auth0 User 1' });
      assert.deepEqual(one?.metadata_public, { theme: 'dark' });
      assert.deepEqual(one?.metadata_admin, { roles: ['member'] });
      assert.equal(one?.created_at?.toISOString(), '2020-01-02T03:04:05.678Z');
      assert.equal(one?.verifiable_addresses?.[0]?.verified, true);
      const stored = await server.runtime.deps.store.getIdentity(one?.id ?? '');
      assert.equal(stored?.loginsCount, 17);
      assert.equal(stored?.lastLoginAt?.toISOString(), '2022-01-02T03:04:05.678Z');
      const [two] = await server.identities.listIdentities({ credentialsIdentifier: 'auth0-user-2@example.org' });
      assert.equal(two?.state, 'inactive');
    } finally {
      await server.close();
    }
  });

  it('imports Supabase auth.users rows keeping their ids; deleted and anonymous users are skipped', async () => {
    const server = await startTestServer();
    try {
      const hash = bcryptHash('supabase password 1', 10);
      const rows = [
        supabaseUserRow('supa@example.org', hash),
        supabaseUserRow('banned@example.org', hash, { banned_until: '2999-01-01T00:00:00+00:00' }),
        supabaseUserRow('unconfirmed@example.org', '', { email_confirmed_at: null }),
        supabaseUserRow('gone@example.org', hash, { deleted_at: '2024-01-01T00:00:00+00:00' }),
        supabaseUserRow('', '', { email: null, is_anonymous: true }),
      ];
      const file = join(tempDir(), 'auth-users.json');
      writeFileSync(file, JSON.stringify(rows));
      const summary = await runImport(server.runtime.deps, { file });
      assert.equal(summary.format, 'supabase');
      assert.deepEqual([summary.imported, summary.skipped, summary.failed], [3, 2, 0]);
      assert.deepEqual(summary.skips.map((s) => s.reason).sort(), ['anonymous Supabase user', 'deleted in Supabase']);

      const supa = await server.identities.getIdentity({ id: String(rows[0]?.id) });
      assert.equal(supa.traits.email, 'supa@example.org');
      assert.equal(supa.traits.name, 'Supa User');
      assert.equal(supa.verifiable_addresses?.[0]?.verified, true);
      assert.deepEqual(supa.metadata_admin, { provider: 'email', providers: ['email'] });
      const { token } = await loginWithPassword(server, 'supa@example.org', 'supabase password 1');
      const session = await server.frontend.toSession({ xSessionToken: token });
      assert.equal(session.identity?.id, rows[0]?.id, 'the JWT subject stays the Supabase user id');
      assert.match(await storedHash(server, String(rows[0]?.id)), /^\$argon2id\$/);
      assert.equal((await server.identities.getIdentity({ id: String(rows[1]?.id) })).state, 'inactive');
      assert.equal((await server.identities.getIdentity({ id: String(rows[2]?.id) })).verifiable_addresses?.[0]?.verified, false);
    } finally {
      await server.close();
    }
  });

  it('moves identities from one Kratos to another: export with include_credential, import, same ids, same logins', async () => {
    const source = await startTestServer();
    const target = await startTestServer();
    try {
      const hash = bcryptHash('kratos password 1');
      for (let i = 0; i < 3; i++) {
        await source.identities.createIdentity({
          createIdentityBody: { schema_id: 'default', traits: { email: `kratos-${i}@example.org` }, metadata_public: { i }, credentials: { password: { config: { hashed_password: hash } } } },
        });
      }
      await source.identities.createIdentity({ createIdentityBody: { schema_id: 'default', traits: { email: 'plain@example.org' }, credentials: { password: { config: { password: 'plaintext pw 1' } } } } });
      const exported = await (await fetch(`${source.adminUrl}/admin/identities?include_credential=password`)).text();
      const file = join(tempDir(), 'kratos.json');
      writeFileSync(file, exported);
      const summary = await runImport(target.runtime.deps, { file });
      assert.deepEqual([summary.format, summary.imported, summary.failed], ['kratos', 4, 0]);
      for (const identity of JSON.parse(exported) as Array<{ id: string; traits: { email: string } }>) {
        const copy = await target.identities.getIdentity({ id: identity.id });
        assert.equal(copy.traits.email, identity.traits.email);
      }
      await loginWithPassword(target, 'kratos-1@example.org', 'kratos password 1');
      await loginWithPassword(target, 'plain@example.org', 'plaintext pw 1');
      const again = await runImport(target.runtime.deps, { file, batchSize: 2 });
      assert.deepEqual([again.imported, again.skipped], [0, 4]);
    } finally {
      await Promise.all([source.close(), target.close()]);
    }
  });
});
