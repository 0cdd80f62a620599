// test-stores: both
import assert from 'node:assert/strict';
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { loadConfig } from '../../src/config/load.js';
import { tempDir } from '../helpers/config.js';
import { checkHasuraClaims, HasuraRejection } from '../helpers/hasura-claims.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { headerOf, seedSession, whoami } from '../helpers/tokenizer.js';

/**
 * The shipped kratos.yml and templates, started the way a new user would from a fresh clone (a copy of the
 * repository files in an empty folder: no keys yet), and their tokens held to PostgREST's and Hasura's rules.
 */
describe('shipped kratos.yml, postgrest and hasura templates', () => {
  const dir = tempDir();
  let server: TestServer;

  before(async () => {
    cpSync('kratos.yml', join(dir, 'kratos.yml'));
    cpSync('templates', join(dir, 'templates'), { recursive: true });
    // The shipped file leaves base_url to follow the port (4433); the test listens on a port of the OS's choice
    // and keeps the issuer the shipped file gives.
    const shippedIssuer = loadConfig({ file: join(dir, 'kratos.yml'), env: {} }).serve.public.base_url;
    assert.equal(shippedIssuer, 'http://localhost:4433/');
    const config = loadConfig({
      file: join(dir, 'kratos.yml'),
      env: {},
      overrides: {
        dsn: `sqlite://${join(dir, 'tessera.db')}?_fk=true`,
        serve: { public: { host: '127.0.0.1', port: 0, base_url: shippedIssuer }, admin: { port: 0 } },
        hashers: { argon2: { memory: '1MB', iterations: 1 } },
        log: { level: 'silent' },
      },
    });
    server = await startTestServer(config);
  });
  after(async () => {
    await server?.close();
  });

  it('generates EdDSA keys for both templates on first start', () => {
    for (const name of ['postgrest', 'hasura']) {
      const path = join(dir, 'keys', `${name}.jwks.json`);
      assert.ok(existsSync(path), `${path} generated`);
      const { keys } = JSON.parse(readFileSync(path, 'utf8')) as { keys: Array<Record<string, unknown>> };
      assert.deepEqual([keys[0]?.kty, keys[0]?.crv, keys[0]?.alg], ['OKP', 'Ed25519', 'EdDSA']);
    }
  });

  async function tokenFor(template: string, seed: Parameters<typeof seedSession>[1] = {}): Promise<{ claims: Record<string, unknown>; header: Record<string, unknown>; identityId: string }> {
    const { token, identityId } = await seedSession(server.runtime.deps, seed);
    const response = await whoami(server.publicUrl, token, template);
    assert.equal(response.status, 200, JSON.stringify(response.body));
    const jwt = response.body.tokenized as string;
    const { payload } = await jwtVerify(jwt, createRemoteJWKSet(new URL(`${server.publicUrl}/.well-known/jwks.json`)), { algorithms: ['EdDSA'], issuer: 'http://localhost:4433/' });
    return { claims: payload as Record<string, unknown>, header: headerOf(jwt), identityId };
  }

  describe('postgrest template', () => {
    it('sets role "authenticated" and email by default', async () => {
      const { claims, header, identityId } = await tokenFor('postgrest', { traits: { email: 'ada@example.org' } });
      assert.equal(header.alg, 'EdDSA');
      assert.equal(claims.role, 'authenticated');
      assert.equal(claims.email, 'ada@example.org');
      assert.equal(claims.sub, identityId);
    });

    it('takes the role from metadata_public.role only when it is a string', async () => {
      assert.equal((await tokenFor('postgrest', { metadataPublic: { role: 'editor' } })).claims.role, 'editor');
      assert.equal((await tokenFor('postgrest', { metadataPublic: { role: 5 } })).claims.role, 'authenticated');
      assert.equal((await tokenFor('postgrest', { metadataPublic: ['editor'] })).claims.role, 'authenticated');
    });
  });

  describe('hasura template, held to Hasura v2 claim rules', () => {
    const settings = (requestedRole?: string) => ({ issuer: 'http://localhost:4433/', allowedSkew: 30, now: new Date(), requestedRole });

    it('gives every user a default role that is allowed, and the identity id as x-hasura-user-id', async () => {
      const { claims, header, identityId } = await tokenFor('hasura');
      assert.equal(header.alg, 'EdDSA');
      assert.deepEqual(claims['https://hasura.io/jwt/claims'], { 'x-hasura-default-role': 'user', 'x-hasura-allowed-roles': ['user'], 'x-hasura-user-id': identityId });
      assert.deepEqual(checkHasuraClaims(claims, settings()), { 'x-hasura-role': 'user', 'x-hasura-allowed-roles': ['user'], 'x-hasura-user-id': identityId });
    });

    it('allows the default role and the extra string roles of metadata_public, and nothing else', async () => {
      const { claims } = await tokenFor('hasura', { metadataPublic: { role: 'editor', roles: ['viewer', 'editor', 7, 'admin', 'viewer'] } });
      const namespace = claims['https://hasura.io/jwt/claims'] as Record<string, unknown>;
      assert.equal(namespace['x-hasura-default-role'], 'editor');
      assert.deepEqual(namespace['x-hasura-allowed-roles'], ['editor', 'admin', 'viewer']);
      assert.equal(checkHasuraClaims(claims, settings())['x-hasura-role'], 'editor');
      assert.equal(checkHasuraClaims(claims, settings('viewer'))['x-hasura-role'], 'viewer');
      assert.throws(() => checkHasuraClaims(claims, settings('superuser')), (error: unknown) => error instanceof HasuraRejection && error.code === 'access-denied');
    });

    it('keeps every x-hasura-* value but the allowed roles a string', async () => {
      const { claims } = await tokenFor('hasura', { metadataPublic: { role: 5 } });
      const namespace = claims['https://hasura.io/jwt/claims'] as Record<string, unknown>;
      for (const [key, value] of Object.entries(namespace)) {
        if (key === 'x-hasura-allowed-roles') assert.ok(Array.isArray(value) && value.every((v) => typeof v === 'string'));
        else assert.equal(typeof value, 'string', key);
      }
      assert.doesNotThrow(() => checkHasuraClaims(claims, settings()));
    });

    it('is refused by the same rules once expired, and a postgrest token is refused for lack of the namespace', async () => {
      const { claims } = await tokenFor('hasura');
      const later = new Date(((claims.exp as number) + 31) * 1000);
      assert.throws(() => checkHasuraClaims(claims, { ...settings(), now: later }), (error: unknown) => error instanceof HasuraRejection && error.code === 'invalid-jwt');
      const postgrest = (await tokenFor('postgrest')).claims;
      assert.throws(() => checkHasuraClaims(postgrest, settings()), (error: unknown) => error instanceof HasuraRejection && error.code === 'jwt-invalid-claims');
    });
  });
});
