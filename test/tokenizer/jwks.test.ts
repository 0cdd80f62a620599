// test-stores: both
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { calculateJwkThumbprint, createRemoteJWKSet, errors, jwtVerify, type JWK } from 'jose';
import { createLogger } from '../../src/logging/logger.js';
import { buildRuntime } from '../../src/runtime/build-deps.js';
import { createPublicApp } from '../../src/http/public-app.js';
import type { SigningAlgorithm } from '../../src/tokenizer/signing-algorithms.js';
import { tempDir, testConfig } from '../helpers/config.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { fileUrl, headerOf, payloadOf, privateJwk, seedSession, whoami, writeJwksFile } from '../helpers/tokenizer.js';

const ALGORITHMS: SigningAlgorithm[] = ['EdDSA', 'ES256', 'ES384', 'ES512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
const PUBLIC_MEMBERS = new Set(['kty', 'crv', 'x', 'y', 'n', 'e', 'kid', 'alg', 'use']);

describe('/.well-known/jwks.json and tokens verified by an independent library (jose)', () => {
  const dir = tempDir();
  let server: TestServer;
  let token: string;
  let identityId: string;
  const noKid = privateJwk('EdDSA');
  const retiredPublicOnly = (() => {
    const { d: _d, ...rest } = privateJwk('EdDSA', 'retired-key');
    return rest;
  })();

  before(async () => {
    const templates: Record<string, unknown> = {};
    for (const alg of ALGORITHMS) templates[alg.toLowerCase()] = { jwks_url: fileUrl(writeJwksFile(dir, `${alg}.json`, { keys: [privateJwk(alg, `kid-${alg}`)] })) };
    // A key without kid: its RFC 7638 thumbprint becomes the kid, in the JWKS and in the JWT header.
    templates['no-kid'] = { jwks_url: fileUrl(writeJwksFile(dir, 'no-kid.json', { keys: [noKid] })) };
    // Two templates on one file publish the key once; a file's later keys are published but never sign.
    const shared = writeJwksFile(dir, 'shared.json', { keys: [privateJwk('EdDSA', 'shared-key'), retiredPublicOnly] });
    templates['shared-a'] = { jwks_url: fileUrl(shared) };
    templates['shared-b'] = { jwks_url: fileUrl(shared), ttl: '10m' };
    server = await startTestServer(testConfig({ session: { whoami: { tokenizer: { templates } } } }, dir));
    ({ token, identityId } = await seedSession(server.runtime.deps));
  });
  after(async () => {
    await server?.close();
  });

  it('serves public members only, deduplicated by kid, cacheable and open to every origin', async () => {
    const response = await fetch(`${server.publicUrl}/.well-known/jwks.json`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(response.headers.get('cache-control'), 'public, max-age=600');
    assert.equal(response.headers.get('access-control-allow-origin'), '*');
    const { keys } = (await response.json()) as { keys: Array<Record<string, unknown>> };
    assert.equal(keys.length, ALGORITHMS.length + 3);
    assert.equal(new Set(keys.map((k) => k.kid)).size, keys.length);
    for (const key of keys) {
      for (const member of Object.keys(key)) assert.ok(PUBLIC_MEMBERS.has(member), `member ${member} published for ${String(key.kid)}`);
      assert.equal(key.use, 'sig');
      assert.ok(ALGORITHMS.includes(key.alg as SigningAlgorithm));
    }
    assert.equal(keys.find((k) => k.kty === 'OKP' && k.kid === 'kid-EdDSA')?.alg, 'EdDSA');
    assert.deepEqual(
      keys.find((k) => k.kid === 'retired-key'),
      { kty: 'OKP', crv: 'Ed25519', x: retiredPublicOnly.x, kid: 'retired-key', alg: 'EdDSA', use: 'sig' },
    );
  });

  it('gives a key without kid its RFC 7638 thumbprint, in the JWKS and in the token header', async () => {
    const thumbprint = await calculateJwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x: noKid.x as string }, 'sha256');
    const { keys } = (await (await fetch(`${server.publicUrl}/.well-known/jwks.json`)).json()) as { keys: Array<Record<string, unknown>> };
    assert.ok(keys.some((k) => k.kid === thumbprint));
    const jwt = (await whoami(server.publicUrl, token, 'no-kid')).body.tokenized as string;
    assert.deepEqual(headerOf(jwt), { alg: 'EdDSA', kid: thumbprint, typ: 'JWT' });
  });

  for (const alg of ALGORITHMS) {
    it(`signs ${alg} tokens that verify against the served JWKS, with integer time claims`, async () => {
      const jwt = (await whoami(server.publicUrl, token, alg.toLowerCase())).body.tokenized as string;
      assert.deepEqual(headerOf(jwt), { alg, kid: `kid-${alg}`, typ: 'JWT' });
      const jwks = createRemoteJWKSet(new URL(`${server.publicUrl}/.well-known/jwks.json`));
      const { payload } = await jwtVerify(jwt, jwks, { issuer: 'http://localhost:4433/', algorithms: [alg] });
      assert.equal(payload.sub, identityId);
      for (const claim of ['exp', 'nbf', 'iat'] as const) assert.ok(Number.isInteger(payload[claim]), `${claim} is an integer`);
      assert.equal((payload.exp ?? 0) - (payload.iat ?? 0), 60);
    });
  }

  it('signs with the first key of a shared file, for each template with its own TTL', async () => {
    const a = (await whoami(server.publicUrl, token, 'shared-a')).body.tokenized as string;
    const b = (await whoami(server.publicUrl, token, 'shared-b')).body.tokenized as string;
    assert.equal(headerOf(a).kid, 'shared-key');
    assert.equal(headerOf(b).kid, 'shared-key');
    const lifetime = (jwt: string): number => (payloadOf(jwt).exp as number) - (payloadOf(jwt).iat as number);
    assert.equal(lifetime(a), 60);
    assert.equal(lifetime(b), 600);
  });

  it('rejects a token whose payload was tampered with, and one whose signature was cut', async () => {
    const jwt = (await whoami(server.publicUrl, token, 'eddsa')).body.tokenized as string;
    const [header, payload, signature] = jwt.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: '00000000-0000-4000-8000-000000000000' })).toString('base64url');
    const jwks = createRemoteJWKSet(new URL(`${server.publicUrl}/.well-known/jwks.json`));
    await assert.rejects(jwtVerify(`${header}.${forged}.${signature}`, jwks), errors.JWSSignatureVerificationFailed);
    await assert.rejects(jwtVerify(`${header}.${payload}.${signature.slice(0, -4)}`, jwks), errors.JWSSignatureVerificationFailed);
  });

  it('issues a new jti for every token', async () => {
    const first = payloadOf((await whoami(server.publicUrl, token, 'eddsa')).body.tokenized as string);
    const second = payloadOf((await whoami(server.publicUrl, token, 'eddsa')).body.tokenized as string);
    assert.notEqual(first.jti, second.jti);
  });

  it('serves a discovery document that points at the JWKS', async () => {
    const response = await fetch(`${server.publicUrl}/.well-known/openid-configuration`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('access-control-allow-origin'), '*');
    assert.deepEqual(await response.json(), { issuer: 'http://localhost:4433/', jwks_uri: 'http://localhost:4433/.well-known/jwks.json' });
  });
});

describe('JWKS cache lifetime', () => {
  it('follows tessera.jwks.max_age', async () => {
    const dir = tempDir();
    const config = testConfig(
      { tessera: { jwks: { max_age: '5m' } }, session: { whoami: { tokenizer: { templates: { a: { jwks_url: fileUrl(writeJwksFile(dir, 'a.json', { keys: [privateJwk('EdDSA')] })) } } } } } },
      dir,
    );
    const runtime = await buildRuntime(config, createLogger('silent'));
    try {
      const response = await createPublicApp(runtime.deps).request('/.well-known/jwks.json');
      assert.equal(response.headers.get('cache-control'), 'public, max-age=300');
      const { keys } = (await response.json()) as { keys: JWK[] };
      assert.equal(keys.length, 1);
    } finally {
      await runtime.close();
    }
  });
});
