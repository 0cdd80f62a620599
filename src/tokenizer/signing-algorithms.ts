import { constants, sign, type KeyObject, type SignKeyObjectInput, type SignPrivateKeyInput } from 'node:crypto';

/**
 * The JWS algorithms a template key may declare in its JWK `alg`, as data: which key type and curve each needs
 * and how node:crypto signs with it. The alg string is always the JOSE one (`EdDSA`, never RFC 9864's
 * `Ed25519`, which PostgREST and Hasura do not know; see docs/tokenizer.md).
 */
export type SigningAlgorithm = 'EdDSA' | 'ES256' | 'ES384' | 'ES512' | 'RS256' | 'RS384' | 'RS512' | 'PS256' | 'PS384' | 'PS512';

export interface AlgorithmDescriptor {
  alg: SigningAlgorithm;
  kty: 'OKP' | 'EC' | 'RSA';
  /** Required `crv` for OKP and EC keys. */
  crv?: 'Ed25519' | 'P-256' | 'P-384' | 'P-521';
  /** Signs `data` (the ASCII `header.payload`) and resolves to the raw JWS signature bytes. */
  sign(data: Buffer, key: KeyObject): Promise<Buffer>;
}

/**
 * node:crypto's callback form of sign() runs in libuv's thread pool, so a signature (~27 µs for Ed25519, ~1 ms
 * for RSA-2048 on this machine class) never holds the event loop that serves whoami.
 */
function signOffLoop(hash: string | null, data: Buffer, key: KeyObject | SignKeyObjectInput | SignPrivateKeyInput): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    sign(hash, data, key, (error, signature) => (error ? reject(error) : resolve(signature)));
  });
}

const ecdsa = (alg: SigningAlgorithm, crv: AlgorithmDescriptor['crv'], hash: string): AlgorithmDescriptor => ({
  alg,
  kty: 'EC',
  crv,
  // JWS wants r||s (IEEE P1363), not the DER that node produces by default.
  sign: (data, key) => signOffLoop(hash, data, { key, dsaEncoding: 'ieee-p1363' }),
});

const rsaPkcs1 = (alg: SigningAlgorithm, hash: string): AlgorithmDescriptor => ({
  alg,
  kty: 'RSA',
  sign: (data, key) => signOffLoop(hash, data, { key, padding: constants.RSA_PKCS1_PADDING }),
});

const rsaPss = (alg: SigningAlgorithm, hash: string): AlgorithmDescriptor => ({
  alg,
  kty: 'RSA',
  // RFC 7518 §3.5: the salt is as long as the hash output.
  sign: (data, key) => signOffLoop(hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }),
});

export const SIGNING_ALGORITHMS: ReadonlyMap<string, AlgorithmDescriptor> = new Map(
  [
    { alg: 'EdDSA', kty: 'OKP', crv: 'Ed25519', sign: (data: Buffer, key: KeyObject) => signOffLoop(null, data, key) } satisfies AlgorithmDescriptor,
    ecdsa('ES256', 'P-256', 'sha256'),
    ecdsa('ES384', 'P-384', 'sha384'),
    ecdsa('ES512', 'P-521', 'sha512'),
    rsaPkcs1('RS256', 'sha256'),
    rsaPkcs1('RS384', 'sha384'),
    rsaPkcs1('RS512', 'sha512'),
    rsaPss('PS256', 'sha256'),
    rsaPss('PS384', 'sha384'),
    rsaPss('PS512', 'sha512'),
  ].map((descriptor) => [descriptor.alg, descriptor]),
);

/**
 * Algorithms PostgREST (v13+, jose-jwt) can verify. Others (ES384, ES512, PS*) are published safely (the key is
 * kept but unusable there) yet their tokens are refused, so start-up warns about them.
 */
export const POSTGREST_ALGORITHMS: ReadonlySet<SigningAlgorithm> = new Set(['EdDSA', 'ES256', 'RS256', 'RS384', 'RS512']);

/** RSA keys shorter than this are refused: RFC 7518 §3.3 requires 2048 bits and jose enforces it. */
export const MIN_RSA_MODULUS_BITS = 2048;
