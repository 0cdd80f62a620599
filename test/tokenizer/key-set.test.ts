// test-stores: none
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KratosError } from '../../src/errors/kratos-error.js';
import { generatePrivateJwks } from '../../src/tokenizer/key-generation.js';
import { parseKeySet } from '../../src/tokenizer/key-set.js';
import { assertPublishable, publishKeys, UnpublishableKeyError } from '../../src/tokenizer/published-keys.js';
import { privateJwk } from '../helpers/tokenizer.js';

/** Asserts a 400 KratosError with Kratos's reason and an explanation matching `explanation`. */
async function rejectsWith(text: string, reason: string, explanation?: RegExp): Promise<void> {
  await assert.rejects(parseKeySet(text), (error: unknown) => {
    assert.ok(error instanceof KratosError, `expected a KratosError, got ${String(error)}`);
    assert.equal(error.code, 400);
    assert.equal(error.reason, reason);
    if (explanation) assert.match(String(error.details?.explanation), explanation);
    return true;
  });
}

const set = (...keys: unknown[]): string => JSON.stringify({ keys });
const withoutPrivate = (jwk: Record<string, unknown>): Record<string, unknown> => {
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...rest } = jwk;
  return rest;
};

describe('key set parsing (Kratos reasons, Tessera strictness)', () => {
  it('accepts a generated set, a single bare JWK, and public-only keys after the signing key', async () => {
    const generated = await generatePrivateJwks('EdDSA');
    const parsed = await parseKeySet(JSON.stringify(generated));
    assert.equal(parsed.signing.kid, generated.keys[0]?.kid);
    assert.equal(parsed.signing.algorithm.alg, 'EdDSA');

    const bare = await parseKeySet(JSON.stringify(privateJwk('ES256', 'bare')));
    assert.equal(bare.signing.kid, 'bare');

    const rotated = await parseKeySet(set(privateJwk('EdDSA', 'current'), withoutPrivate(privateJwk('EdDSA', 'previous'))));
    assert.deepEqual(rotated.keys.map((k) => [k.kid, k.privateKey !== null]), [['current', true], ['previous', false]]);
  });

  it('never keeps private members, x5c or key_ops in what it would publish', async () => {
    const jwk = { ...privateJwk('RS256', 'rsa'), x5c: ['MIIB'], key_ops: ['sign'], ext: true };
    const { signing } = await parseKeySet(set(jwk));
    assert.deepEqual(Object.keys(signing.publicJwk), ['kty', 'n', 'e', 'kid', 'alg', 'use']);
  });

  it('answers Kratos reasons for unparsable and empty sets', async () => {
    await rejectsWith('{"keys":[{"kty":"EC"', 'failed to parse JWK set', /not valid JSON/);
    await rejectsWith('[]', 'failed to parse JWK set');
    await rejectsWith('{"keys":"nope"}', 'failed to parse JWK set');
    await rejectsWith('{"keys":[]}', 'Could not find key a suitable key for tokenization in the JWKS url.');
  });

  it('requires a valid alg, refuses HS* keys and the RFC 9864 name Ed25519', async () => {
    const { alg: _alg, ...noAlg } = privateJwk('EdDSA');
    await rejectsWith(set(noAlg), 'The JSON Web Key must include a valid "alg" parameter but "" was given.');
    await rejectsWith(set({ kty: 'oct', k: 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA', alg: 'HS256' }), 'The JSON Web Key must include a valid "alg" parameter but "HS256" was given.', /shared secrets/);
    await rejectsWith(set({ ...privateJwk('EdDSA'), alg: 'Ed25519' }), 'The JSON Web Key must include a valid "alg" parameter but "Ed25519" was given.', /"EdDSA"/);
    await rejectsWith(set({ ...privateJwk('EdDSA'), alg: 'ES256K' }), 'The JSON Web Key must include a valid "alg" parameter but "ES256K" was given.');
  });

  it('refuses keys that do not fit their alg or cannot be used to sign', async () => {
    await rejectsWith(set({ ...privateJwk('ES256'), alg: 'ES512' }), 'Unable to decode the given private key.', /crv "P-521"/);
    await rejectsWith(set({ ...privateJwk('EdDSA'), alg: 'RS256' }), 'Unable to decode the given private key.', /kty "RSA"/);
    await rejectsWith(set({ ...privateJwk('EdDSA'), use: 'enc' }), 'Unable to decode the given private key.', /"use"/);
    await rejectsWith(set({ ...privateJwk('EdDSA'), key_ops: ['verify'] }), 'Unable to decode the given private key.', /key_ops/);
    await rejectsWith(set({ ...privateJwk('EdDSA'), d: 'AAAA' }), 'Unable to decode the given private key.');
    await rejectsWith(set({ ...privateJwk('EdDSA'), kid: '' }), 'failed to parse JWK set', /kid/);
  });

  it('refuses RSA keys under 2048 bits', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const small = { ...generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'jwk' }), alg: 'RS256' };
    await rejectsWith(set(small), 'Unable to decode the given private key.', /2048 bits/);
  });

  it('needs a private key first, because the first key signs', async () => {
    await rejectsWith(set(withoutPrivate(privateJwk('EdDSA', 'public-only')), privateJwk('EdDSA')), 'Unable to sign JSON Web Token.', /first key/);
  });

  it('refuses two different keys under one kid', async () => {
    await rejectsWith(set(privateJwk('EdDSA', 'same'), privateJwk('EdDSA', 'same')), 'failed to parse JWK set', /share the kid "same"/);
  });

  it('never quotes key material in its errors, whatever is broken in the file', async () => {
    const jwk = privateJwk('EdDSA', 'k');
    const secret = String(jwk.d);
    const broken: Array<[string, string]> = [
      // JSON mistakes right next to the private value: V8's own message would quote the text around them.
      [JSON.stringify({ keys: [jwk] }).replace(`"${secret}"`, secret), 'unquoted d'],
      [JSON.stringify({ keys: [jwk] }).replace(`"${secret}"`, `'${secret}'`), 'single-quoted d'],
      [JSON.stringify({ keys: [jwk] }).replace(`"${secret}"`, `"${secret}`), 'unterminated d'],
      [secret, 'a bare secret instead of a JSON document'],
      [`{"keys":[${JSON.stringify(jwk)}`, 'truncated file'],
      // A private value that lands in a member an error names, or that node:crypto refuses.
      [set({ ...jwk, kty: secret }), 'd pasted into kty'],
      [set({ ...jwk, crv: secret }), 'd pasted into crv'],
      [set({ ...jwk, use: secret }), 'd pasted into use'],
      [set({ ...jwk, alg: secret }), 'd pasted into alg'],
      [set({ ...jwk, kid: `${secret} ${secret}`, use: 'enc' }), 'd pasted into the kid of a key refused for its use'],
      [set({ ...jwk, d: secret.slice(0, 20) }), 'd of the wrong length'],
      [set({ kty: 'EC', crv: 'P-256', alg: 'ES256', x: secret, y: secret, d: secret }), 'EC key made of the secret'],
    ];
    for (const [text, what] of broken) {
      await assert.rejects(parseKeySet(text), (error: unknown) => {
        assert.ok(error instanceof KratosError, `${what}: expected a KratosError, got ${String(error)}`);
        const shown = JSON.stringify(error.toJSON());
        assert.ok(!shown.includes(secret.slice(0, 12)) && !shown.includes(secret.slice(-12)), `${what}: the error repeats the private key: ${shown}`);
        return true;
      });
    }
    await rejectsWith(JSON.stringify({ keys: [jwk] }, null, 2).replace(`"${secret}"`, `"${secret}`), 'failed to parse JWK set', /not valid JSON at line \d+, column \d+/);
  });
});

describe('publishing', () => {
  it('refuses to publish private members, certificates, unknown algs and mismatched curves', () => {
    const base = { kty: 'OKP', crv: 'Ed25519', x: 'x', kid: 'k', alg: 'EdDSA', use: 'sig' };
    assertPublishable('t', base);
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ ...base, d: 'secret' }, /private key material \("d"\)/],
      [{ ...base, x5c: ['MIIB'] }, /member "x5c"/],
      [{ ...base, alg: 'Ed25519' }, /alg "Ed25519"/],
      [{ ...base, alg: 'HS256' }, /alg "HS256"/],
      [{ ...base, crv: 'Ed448' }, /does not match/],
      [{ ...base, use: 'enc' }, /"use": "sig"/],
    ];
    for (const [jwk, message] of cases) assert.throws(() => assertPublishable('t', jwk), (error: unknown) => error instanceof UnpublishableKeyError && message.test(error.message));
  });

  it('deduplicates one key named by two templates and refuses one kid for two keys', async () => {
    const shared = await parseKeySet(set(privateJwk('EdDSA', 'k1')));
    const published = publishKeys([{ template: 'a', keySet: shared }, { template: 'b', keySet: shared }], 600);
    assert.equal(published.jwks.keys.length, 1);
    assert.equal(published.jwksBody, JSON.stringify(published.jwks));

    const other = await parseKeySet(set(privateJwk('EdDSA', 'k1')));
    assert.throws(
      () => publishKeys([{ template: 'a', keySet: shared }, { template: 'b', keySet: other }], 600),
      (error: unknown) => error instanceof UnpublishableKeyError && error.template === 'b' && /kid "k1" is used by template "a"/.test(error.message),
    );
  });
});
