// test-stores: both
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { ConfigError } from '../../src/config/config-error.js';
import { KratosError } from '../../src/errors/kratos-error.js';
import { createLogger } from '../../src/logging/logger.js';
import { buildRuntime } from '../../src/runtime/build-deps.js';
import { parseKeySet } from '../../src/tokenizer/key-set.js';
import { testConfig } from '../helpers/config.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { fileUrl, headerOf, payloadOf, seedSession, tokenizerFixture, whoami } from '../helpers/tokenizer.js';

/**
 * Kratos's own tokenizer cases (session/tokenizer_test.go, kratos.md §1.8), end to end: identities with Kratos's
 * fixed ids in the real store, a fixed clock, real whoami requests, the same claims snapshots.
 */
const NOW = new Date('2023-02-01T00:00:00Z');
const IDENTITY_ID = '7458af86-c1d8-401c-978a-8da89133f78b';
const SESSION_ID = '432caf86-c1d8-401c-978a-8da89133f78b';
const MAPPER = fileUrl(tokenizerFixture('rs512-template.jsonnet'));

const template = (jwks: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ ttl: '1m', jwks_url: fileUrl(tokenizerFixture(jwks)), ...extra });

const BASE_SNAPSHOT = { exp: 1675209660, iat: 1675209600, iss: 'http://localhost/', nbf: 1675209600, sid: SESSION_ID, sub: IDENTITY_ID };

/** What Kratos's validateTokenized does: verify with the public half of the fixture's first key, no claim checks. */
async function verifiedClaims(jwt: string, fixture: string): Promise<Record<string, unknown>> {
  const set = JSON.parse(readFileSync(tokenizerFixture(fixture), 'utf8')) as { keys: Array<Record<string, unknown>> };
  const { d: _private, ...publicKey } = set.keys[0] as Record<string, unknown>;
  const { payload } = await jwtVerify(jwt, createLocalJWKSet({ keys: [publicKey] } as JSONWebKeySet), { currentDate: NOW });
  return payload as Record<string, unknown>;
}

function withoutJti(claims: Record<string, unknown>): Record<string, unknown> {
  const { jti: _jti, ...rest } = claims;
  return rest;
}

describe('Kratos tokenizer cases (kratos.md §1.8)', () => {
  let server: TestServer;
  let token: string;
  let tokenWithoutExternalId: string;

  before(async () => {
    const config = testConfig({
      serve: { public: { base_url: 'http://localhost/' } },
      session: {
        whoami: {
          tokenizer: {
            templates: {
              'es256-no-template': template('jwk.es256.json'),
              'es512-no-template': template('jwk.es512.json'),
              'rs512-template': template('jwk.es512.json', { claims_mapper_url: MAPPER, subject_source: 'id' }),
              'rs512-external-id': template('jwk.es512.json', { claims_mapper_url: MAPPER, subject_source: 'external_id' }),
            },
          },
        },
      },
    });
    server = await startTestServer(config, { now: () => NOW });
    ({ token } = await seedSession(server.runtime.deps, { identityId: IDENTITY_ID, sessionId: SESSION_ID, externalId: 'external-id' }));
    ({ token: tokenWithoutExternalId } = await seedSession(server.runtime.deps, {
      identityId: '710678c5-7761-455a-9e3b-be66e3019da2',
      sessionId: '44de370d-c8ae-4e2c-b943-5e9d9cc385da',
    }));
  });
  after(async () => {
    await server?.close();
  });

  it('case=es256-without-jsonnet', async () => {
    const response = await whoami(server.publicUrl, token, 'es256-no-template');
    assert.equal(response.status, 200);
    const jwt = response.body.tokenized as string;
    const claims = await verifiedClaims(jwt, 'jwk.es256.json');
    assert.equal(claims.sub, IDENTITY_ID);
    assert.equal(claims.sid, SESSION_ID);
    assert.match(String(claims.jti), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(claims.exp, NOW.getTime() / 1000 + 60);
    assert.deepEqual(withoutJti(claims), BASE_SNAPSHOT);
    assert.deepEqual(headerOf(jwt), { alg: 'ES256', kid: '247f1420-e581-4023-88e0-07ee662f80da', typ: 'JWT' });
  });

  it('case=es512-without-jsonnet', async () => {
    const response = await whoami(server.publicUrl, token, 'es512-no-template');
    const jwt = response.body.tokenized as string;
    assert.deepEqual(withoutJti(await verifiedClaims(jwt, 'jwk.es512.json')), BASE_SNAPSHOT);
    assert.deepEqual(headerOf(jwt), { alg: 'ES512', kid: 'bc7f7afc-6742-427c-bb9e-164fe0f8b6a7', typ: 'JWT' });
  });

  it('case=rs512-with-jsonnet: mapper claims merged, sub not overridable', async () => {
    const response = await whoami(server.publicUrl, token, 'rs512-template');
    const claims = await verifiedClaims(response.body.tokenized as string, 'jwk.es512.json');
    assert.deepEqual(withoutJti(claims), { ...BASE_SNAPSHOT, aal: 'aal1', external_id: 'external-id', foo: 'bar', schema_id: 'default', second_claim: 1675209660 });
  });

  it('case=rs512-with-external_id-in-sub', async () => {
    const response = await whoami(server.publicUrl, token, 'rs512-external-id');
    const claims = await verifiedClaims(response.body.tokenized as string, 'jwk.es512.json');
    assert.deepEqual(withoutJti(claims), { ...BASE_SNAPSHOT, sub: 'external-id', aal: 'aal1', external_id: 'external-id', foo: 'bar', schema_id: 'default', second_claim: 1675209660 });
  });

  it('case=rs512-with-empty-external_id-in-sub: 400 with Kratos reason', async () => {
    const response = await whoami(server.publicUrl, tokenWithoutExternalId, 'rs512-external-id');
    assert.equal(response.status, 400);
    assert.deepEqual(response.body, {
      error: {
        code: 400,
        status: 'Bad Request',
        reason: "The session's identity does not have an external ID set, but it is required for the subject claim.",
        message: 'The request was malformed or contained invalid parameters',
      },
    });
  });

  it('handler "tokenize": whoami answers the session plus a three-part token, without Ory-Session-Cache-For', async () => {
    const response = await whoami(server.publicUrl, token, 'es256-no-template');
    assert.equal(response.status, 200);
    assert.equal(response.body.id, SESSION_ID);
    assert.equal((response.body.identity as { id: string }).id, IDENTITY_ID);
    const jwt = response.body.tokenized as string;
    assert.equal(jwt.split('.').length, 3);
    assert.equal(payloadOf(jwt).sub, IDENTITY_ID);
    assert.equal(response.headers.get('ory-session-cache-for'), null);
    // Without tokenize_as there is no `tokenized` member at all (Kratos: omitempty).
    assert.equal('tokenized' in (await whoami(server.publicUrl, token)).body, false);
    // The official Ory SDK asks for it with tokenizeAs and reads it back.
    const viaSdk = await server.frontend.toSession({ xSessionToken: token, tokenizeAs: 'es256-no-template' });
    assert.equal(payloadOf(viaSdk.tokenized ?? '').sid, SESSION_ID);
  });

  it('case=rs512-with-broken-keyfile: a 400 "failed to parse JWK set", and Tessera refuses to start with it', async () => {
    const broken = readFileSync(tokenizerFixture('jwk.es512.broken.json'), 'utf8');
    await assert.rejects(parseKeySet(broken), (error: unknown) => error instanceof KratosError && error.code === 400 && error.reason === 'failed to parse JWK set');

    const config = testConfig({
      session: { whoami: { tokenizer: { templates: { 'rs512-template': template('jwk.es512.broken.json', { claims_mapper_url: MAPPER }) } } } },
    });
    await assert.rejects(buildRuntime(config, createLogger('silent')), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.keyPath, 'session.whoami.tokenizer.templates.rs512-template.jwks_url');
      assert.match(error.message, /template "rs512-template", key file .*jwk\.es512\.broken\.json: failed to parse JWK set/);
      return true;
    });
  });
});
