import { generateKeyPairSync, type JsonWebKey, type KeyObject } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { calculateJwkThumbprint } from 'jose';
import { SIGNING_ALGORITHMS, type AlgorithmDescriptor, type SigningAlgorithm } from './signing-algorithms.js';

export interface PrivateJwkSet {
  keys: Array<JsonWebKey & { kid: string; alg: SigningAlgorithm; use: 'sig' }>;
}

/** EdDSA (Ed25519) is the default: small keys, fast signing, and accepted by PostgREST and Hasura alike. */
export const DEFAULT_KEY_ALGORITHM: SigningAlgorithm = 'EdDSA';

/**
 * A fresh private JWK Set with one key, like `oathkeeper credentials generate`: the kid is the RFC 7638
 * thumbprint unless one is given, and `alg`/`use` are set so that the key is used with exactly one algorithm
 * (RFC 8725 §3.1).
 */
export async function generatePrivateJwks(alg: SigningAlgorithm, kid?: string): Promise<PrivateJwkSet> {
  const descriptor = SIGNING_ALGORITHMS.get(alg);
  if (!descriptor) throw new Error(`unsupported algorithm "${alg}" (supported: ${[...SIGNING_ALGORITHMS.keys()].join(', ')})`);
  const exported = generatePrivateKey(descriptor).export({ format: 'jwk' });
  const thumbprintInput = descriptor.kty === 'RSA'
    ? { kty: 'RSA', n: String(exported.n), e: String(exported.e) }
    : { kty: descriptor.kty, crv: String(exported.crv), x: String(exported.x), ...(descriptor.kty === 'EC' ? { y: String(exported.y) } : {}) };
  const keyId = kid ?? (await calculateJwkThumbprint(thumbprintInput, 'sha256'));
  return { keys: [{ ...inConventionalOrder(exported), kid: keyId, alg, use: 'sig' }] };
}

/** kty first and public members before private ones, as people expect to read a JWK. */
function inConventionalOrder(jwk: JsonWebKey): JsonWebKey {
  const out: JsonWebKey = {};
  for (const name of ['kty', 'crv', 'x', 'y', 'n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi']) if (jwk[name] !== undefined) out[name] = jwk[name];
  return out;
}

function generatePrivateKey(descriptor: AlgorithmDescriptor): KeyObject {
  switch (descriptor.kty) {
    case 'OKP':
      return generateKeyPairSync('ed25519').privateKey;
    case 'EC':
      return generateKeyPairSync('ec', { namedCurve: descriptor.crv as string }).privateKey;
    case 'RSA':
      return generateKeyPairSync('rsa', { modulusLength: 3072, publicExponent: 0x10001 }).privateKey;
  }
}

/**
 * Writes a private key file readable by its owner only (0600) and never replaces an existing file: `wx` fails
 * when it exists, even if another process created it a moment ago.
 */
export function writePrivateKeyFile(path: string, jwks: PrivateJwkSet): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, `${JSON.stringify(jwks, null, 2)}\n`, { flag: 'wx', mode: 0o600 });
}
