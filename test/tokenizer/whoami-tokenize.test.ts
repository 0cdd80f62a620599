// test-stores: both
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { tempDir, testConfig } from '../helpers/config.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { base64Url, fileUrl, payloadOf, privateJwk, seedSession, whoami, writeJwksFile } from '../helpers/tokenizer.js';

/**
 * `whoami?tokenize_as=` over real HTTP: Kratos's merge semantics, what the mapper sees, and every request-time
 * error as herodot JSON (never a 5xx). Mappers here misbehave only for chosen users, since a mapper that fails
 * on every session never gets past the start-up check.
 */
const MAPPER = `
local session = std.extVar('session');
local claims = std.extVar('claims');
local email = session.identity.traits.email;
if email == 'boom@example.org' then error 'boom for ' + session.identity.id
else if email == 'noclaims@example.org' then { something: 'else' }
else if email == 'array@example.org' then { claims: [1, 2] }
else {
  claims: {
    iss: claims.iss + 'additional-component',
    exp: claims.exp + 3600,
    aud: 'postgrest',
    sub: 'attacker',
    '__proto__': { polluted: true },
    seen_claims: std.objectFields(claims),
    seen_identity: std.objectFields(session.identity),
    seen_session_id: session.id,
  },
}`;

const BAD_REQUEST = 'The request was malformed or contained invalid parameters';

describe('whoami?tokenize_as', () => {
  const dir = tempDir();
  let server: TestServer;
  let clockOffsetMs = 0;

  before(async () => {
    const jwks = fileUrl(writeJwksFile(dir, 'key.json', { keys: [privateJwk('EdDSA', 'k')] }));
    const config = testConfig({ session: { whoami: { tokenizer: { templates: { mapped: { jwks_url: jwks, claims_mapper_url: base64Url(MAPPER) }, plain: { jwks_url: jwks } } } } } }, dir);
    server = await startTestServer(config, { now: () => new Date(Date.now() + clockOffsetMs) });
  });
  after(async () => {
    await server?.close();
  });

  it('merges the mapper claims key by key: iss, exp and aud overridden, sub restored, metadata_admin unseen', async () => {
    const { token, identityId, sessionId } = await seedSession(server.runtime.deps, { metadataAdmin: { secret: 'admin only' } });
    const response = await whoami(server.publicUrl, token, 'mapped');
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('cache-control'), 'private, no-cache, no-store, must-revalidate');
    const claims = payloadOf(response.body.tokenized as string);
    assert.equal(claims.iss, 'http://localhost:4433/additional-component');
    assert.equal((claims.exp as number) - (claims.iat as number), 60 + 3600);
    assert.equal(claims.aud, 'postgrest');
    assert.equal(claims.sub, identityId);
    assert.deepEqual(claims.seen_claims, ['exp', 'iat', 'iss', 'jti', 'nbf', 'sid', 'sub']);
    assert.equal(claims.seen_session_id, sessionId);
    const seenIdentity = claims.seen_identity as string[];
    assert.ok(seenIdentity.includes('traits') && seenIdentity.includes('metadata_public'));
    assert.ok(!seenIdentity.includes('metadata_admin') && !seenIdentity.includes('credentials'));
    // A mapper key named __proto__ stays a plain claim.
    assert.deepEqual(Object.getOwnPropertyDescriptor(claims, '__proto__')?.value, { polluted: true });
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('answers an unknown template with Kratos 400', async () => {
    const { token } = await seedSession(server.runtime.deps);
    const response = await whoami(server.publicUrl, token, 'nope');
    assert.equal(response.status, 400);
    assert.deepEqual(response.body, { error: { code: 400, status: 'Bad Request', reason: 'Unable to find tokenizer template "nope".', message: BAD_REQUEST } });
    // An empty tokenize_as means no tokenization at all, as in Kratos.
    const plain = await whoami(server.publicUrl, token, '');
    assert.equal(plain.status, 200);
    assert.equal('tokenized' in plain.body, false);
  });

  it('answers 401 without a session and for an expired one, before looking at the template', async () => {
    const unauthorized = { error: { code: 401, status: 'Unauthorized', reason: 'No valid session credentials found in the request.', message: 'The request could not be authorized' } };
    const missing = await whoami(server.publicUrl, null, 'plain');
    assert.equal(missing.status, 401);
    assert.deepEqual(missing.body, unauthorized);

    const { token } = await seedSession(server.runtime.deps, { lifespanMs: 60_000 });
    assert.equal((await whoami(server.publicUrl, token, 'plain')).status, 200);
    clockOffsetMs = 120_000;
    try {
      const expired = await whoami(server.publicUrl, token, 'plain');
      assert.equal(expired.status, 401);
      assert.deepEqual(expired.body, unauthorized);
    } finally {
      clockOffsetMs = 0;
    }
  });

  it('answers 400 "Unable to execute tokenizer JsonNet." for a mapper error, and other users are unaffected', async () => {
    const { token } = await seedSession(server.runtime.deps, { traits: { email: 'boom@example.org' } });
    const failed = await whoami(server.publicUrl, token, 'mapped');
    assert.equal(failed.status, 400);
    const error = failed.body.error as Record<string, unknown>;
    assert.equal(error.reason, 'Unable to execute tokenizer JsonNet.');
    assert.match(JSON.stringify(error.details), /boom for /);
    assert.doesNotMatch(JSON.stringify(failed.body), /at .*\.ts:\d+/, 'no stack trace');

    const { token: other } = await seedSession(server.runtime.deps);
    assert.equal((await whoami(server.publicUrl, other, 'mapped')).status, 200);
  });

  it('answers 400 when the mapper returns no claims object (where Kratos panics)', async () => {
    for (const email of ['noclaims@example.org', 'array@example.org']) {
      const { token } = await seedSession(server.runtime.deps, { traits: { email } });
      const response = await whoami(server.publicUrl, token, 'mapped');
      assert.equal(response.status, 400, email);
      assert.equal((response.body.error as Record<string, unknown>).reason, 'Expected tokenizer JsonNet to return a claims object but it did not.');
    }
  });
});
