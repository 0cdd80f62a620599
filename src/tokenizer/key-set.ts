import { createPrivateKey, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint } from 'jose';
import { badRequest, type KratosError } from '../errors/kratos-error.js';
import { MIN_RSA_MODULUS_BITS, SIGNING_ALGORITHMS, type AlgorithmDescriptor, type SigningAlgorithm } from './signing-algorithms.js';
import { isObject } from '../json/is-object.js';

/**
 * A template's JSON Web Key Set (`jwks_url`), parsed and checked once at start. As in Kratos the FIRST key signs;
 * unlike Kratos every key of the file is published, so a file can carry the next key (published before it signs)
 * and the previous one (kept, possibly public-only, until the tokens it signed have expired).
 */
export interface PublicJwk {
  kty: 'OKP' | 'EC' | 'RSA';
  crv?: string;
  x?: string;
  y?: string;
  n?: string;
  e?: string;
  kid: string;
  alg: SigningAlgorithm;
  use: 'sig';
}

export interface TemplateKey {
  kid: string;
  algorithm: AlgorithmDescriptor;
  /** Only the public members, exactly as published at /.well-known/jwks.json. */
  publicJwk: PublicJwk;
  publicKey: KeyObject;
  /** Null for a public-only entry (a retired key that is still published). */
  privateKey: KeyObject | null;
}

export interface KeySet {
  /** The first key of the file: it signs every token of the template. */
  signing: TemplateKey & { privateKey: KeyObject };
  /** Every key of the file, the signing key first, deduplicated by kid. */
  keys: TemplateKey[];
}

/** Kratos's reasons (https://github.com/ory/kratos/blob/master/session/tokenizer.go), kept so that operators can search for them. */
export const REASON_UNPARSABLE = 'failed to parse JWK set';
export const REASON_EMPTY = 'Could not find key a suitable key for tokenization in the JWKS url.';
export const REASON_BAD_PRIVATE_KEY = 'Unable to decode the given private key.';
export const REASON_CANNOT_SIGN = 'Unable to sign JSON Web Token.';
export const invalidAlgReason = (alg: unknown): string =>
  `The JSON Web Key must include a valid "alg" parameter but "${typeof alg === 'string' ? alg : ''}" was given.`;

/** Members that must never leave the file: private key material of every key type. */
export const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

/**
 * Parses the text of a JWKS file (or a single JWK, which Kratos's parser also accepts). Throws a 400 KratosError
 * with Kratos's reason and, in `details.explanation`, what exactly is wrong; start-up turns it into a ConfigError.
 */
export async function parseKeySet(text: string): Promise<KeySet> {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    // V8's message quotes the text around the mistake, which in a key file is key material: only the position.
    throw keyError(REASON_UNPARSABLE, `the file is not valid JSON${jsonErrorPosition(text, error as Error)} (its text is not repeated here: it holds key material)`);
  }
  const entries = jwkEntries(document);
  if (entries.length === 0) throw keyError(REASON_EMPTY, 'the key set has no keys');

  const keys: TemplateKey[] = [];
  for (const [index, entry] of entries.entries()) {
    const key = await parseKey(entry, index);
    const twin = keys.find((k) => k.kid === key.kid);
    if (!twin) keys.push(key);
    else if (!samePublicKey(twin.publicJwk, key.publicJwk)) throw keyError(REASON_UNPARSABLE, `keys ${keys.indexOf(twin)} and ${index} share the kid ${quoted(key.kid, 128)} but differ`);
  }
  const first = keys[0] as TemplateKey;
  if (!first.privateKey) {
    throw keyError(REASON_CANNOT_SIGN, `the first key (kid ${quoted(first.kid, 128)}) signs, so it must be a private key (with "d"); public-only keys may only follow it`);
  }
  return { signing: first as KeySet['signing'], keys };
}

function jwkEntries(document: unknown): Record<string, unknown>[] {
  if (!isObject(document)) throw keyError(REASON_UNPARSABLE, 'expected a JSON object {"keys":[...]}');
  if (!('keys' in document) && 'kty' in document) return [document];
  const { keys } = document;
  if (!Array.isArray(keys)) throw keyError(REASON_UNPARSABLE, 'expected a JSON object {"keys":[...]}');
  return keys.map((entry, index) => {
    if (!isObject(entry)) throw keyError(REASON_UNPARSABLE, `key ${index} is not a JSON object`);
    return entry;
  });
}

async function parseKey(jwk: Record<string, unknown>, index: number): Promise<TemplateKey> {
  const where = `key ${index}${typeof jwk.kid === 'string' ? ` (kid ${quoted(jwk.kid, 128)})` : ''}`;
  const algorithm = algorithmOf(jwk, where);
  if (jwk.kty !== algorithm.kty) throw keyError(REASON_BAD_PRIVATE_KEY, `${where}: alg ${algorithm.alg} needs kty "${algorithm.kty}" but the key has kty ${quoted(jwk.kty)}`);
  if (algorithm.crv && jwk.crv !== algorithm.crv) {
    throw keyError(REASON_BAD_PRIVATE_KEY, `${where}: alg ${algorithm.alg} needs crv "${algorithm.crv}" but the key has crv ${quoted(jwk.crv)}`);
  }
  if (jwk.use !== undefined && jwk.use !== 'sig') throw keyError(REASON_BAD_PRIVATE_KEY, `${where}: "use" is ${quoted(jwk.use)}, a signing key needs "sig" or no "use"`);
  const isPrivate = jwk.d !== undefined;
  if (jwk.key_ops !== undefined && !(Array.isArray(jwk.key_ops) && jwk.key_ops.includes(isPrivate ? 'sign' : 'verify'))) {
    throw keyError(REASON_BAD_PRIVATE_KEY, `${where}: "key_ops" does not allow "${isPrivate ? 'sign' : 'verify'}"`);
  }
  if (jwk.kid !== undefined && (typeof jwk.kid !== 'string' || jwk.kid === '')) throw keyError(REASON_UNPARSABLE, `${where}: "kid" must be a non-empty string`);

  let privateKey: KeyObject | null;
  let publicKey: KeyObject;
  try {
    // Only the members node needs: unknown members (x5c, key_ops, ...) are never carried further.
    privateKey = isPrivate ? createPrivateKey({ key: keyMaterial(jwk, true), format: 'jwk' }) : null;
    // The public half is derived from the private key, so what is published always matches what signs.
    publicKey = privateKey ? createPublicKey(privateKey) : createPublicKey({ key: keyMaterial(jwk, false), format: 'jwk' });
  } catch (error) {
    // node:crypto's messages may quote a member's value ("Received '…'"): only its error code is repeated.
    const code = (error as NodeJS.ErrnoException).code ?? 'ERR_CRYPTO_INVALID_JWK';
    throw keyError(REASON_BAD_PRIVATE_KEY, `${where}: its members do not make a valid ${algorithm.kty} ${isPrivate ? 'private' : 'public'} key (${code})`);
  }
  const modulusLength = publicKey.asymmetricKeyDetails?.modulusLength;
  if (algorithm.kty === 'RSA' && (modulusLength ?? 0) < MIN_RSA_MODULUS_BITS) {
    throw keyError(REASON_BAD_PRIVATE_KEY, `${where}: RSA keys must have at least ${MIN_RSA_MODULUS_BITS} bits, this one has ${modulusLength ?? 0}`);
  }

  const exported = publicKey.export({ format: 'jwk' });
  const kid = typeof jwk.kid === 'string' ? jwk.kid : await calculateJwkThumbprint(thumbprintInput(exported), 'sha256');
  return { kid, algorithm, publicJwk: publicJwkOf(exported, kid, algorithm.alg), publicKey, privateKey };
}

function algorithmOf(jwk: Record<string, unknown>, where: string): AlgorithmDescriptor {
  const alg = jwk.alg;
  const descriptor = typeof alg === 'string' ? SIGNING_ALGORITHMS.get(alg) : undefined;
  if (descriptor) return descriptor;
  if (typeof alg === 'string' && /^HS(256|384|512)$/.test(alg)) {
    throw keyError(invalidAlgReason(alg), `${where}: ${alg} keys are shared secrets that cannot be published in a JWKS for PostgREST or Hasura; use an asymmetric key (tessera keys generate --alg EdDSA)`);
  }
  if (alg === 'Ed25519') throw keyError(invalidAlgReason(alg), `${where}: write "alg": "EdDSA"; PostgREST and Hasura do not know the RFC 9864 name "Ed25519"`);
  const known = [...SIGNING_ALGORITHMS.keys()].join(', ');
  throw keyError(invalidAlgReason(isShownValue(alg, 16) ? alg : ''), `${where}: "alg" must be one of ${known}`);
}

/** The members node:crypto reads for each key type; anything else in the file is ignored. */
function keyMaterial(jwk: Record<string, unknown>, withPrivate: boolean): JsonWebKey {
  const names = jwk.kty === 'RSA' ? ['kty', 'n', 'e', ...(withPrivate ? ['d', 'p', 'q', 'dp', 'dq', 'qi'] : [])] : ['kty', 'crv', 'x', 'y', ...(withPrivate ? ['d'] : [])];
  const out: JsonWebKey = {};
  for (const name of names) if (jwk[name] !== undefined) out[name] = jwk[name];
  return out;
}

/** RFC 7638 §3.2: only the required public members of the key type take part. */
function thumbprintInput(exported: JsonWebKey): { kty: string; crv?: string; x?: string; y?: string; n?: string; e?: string } {
  if (exported.kty === 'RSA') return { kty: 'RSA', n: String(exported.n), e: String(exported.e) };
  if (exported.kty === 'EC') return { kty: 'EC', crv: String(exported.crv), x: String(exported.x), y: String(exported.y) };
  return { kty: String(exported.kty), crv: String(exported.crv), x: String(exported.x) };
}

/** Public members in a fixed order, then kid, alg and use: nothing else is ever published. */
function publicJwkOf(exported: JsonWebKey, kid: string, alg: SigningAlgorithm): PublicJwk {
  const out: Partial<PublicJwk> = { kty: exported.kty as PublicJwk['kty'] };
  for (const name of ['crv', 'x', 'y', 'n', 'e'] as const) {
    const value: unknown = exported[name];
    if (typeof value === 'string') out[name] = value;
  }
  return { ...out, kid, alg, use: 'sig' } as PublicJwk;
}

export function samePublicKey(a: PublicJwk, b: PublicJwk): boolean {
  return a.kty === b.kty && a.crv === b.crv && a.x === b.x && a.y === b.y && a.n === b.n && a.e === b.e && a.alg === b.alg;
}

/**
 * A member's value as an error message may show it: short, of the characters names and ids are made of. Anything
 * else (a private value pasted into the wrong member, a whole key) is described, never repeated.
 */
function quoted(value: unknown, maxLength = 32): string {
  if (value === undefined) return 'none';
  return isShownValue(value, maxLength) ? `"${value}"` : `a ${typeof value === 'string' ? `${value.length}-character string` : typeof value} (not shown)`;
}

function isShownValue(value: unknown, maxLength: number): value is string {
  return typeof value === 'string' && value.length <= maxLength && /^[A-Za-z0-9._:+/-]*$/.test(value);
}

/**
 * ` at line L, column C` of a JSON.parse error. V8 says "… at position N", or for an unexpected token quotes the
 * 10 characters on each side of it (`..."<context>"...`, v8/src/json/json-parser.cc): the context is found in the
 * text to get the position. Nothing when neither applies.
 */
function jsonErrorPosition(text: string, error: Error): string {
  const stated = /\bposition (\d+)/.exec(error.message)?.[1];
  const context = /, \.\.\."([\s\S]*)"(?:\.\.\.)? is not valid JSON$/.exec(error.message)?.[1];
  const found = context === undefined ? -1 : text.indexOf(context);
  const position = stated !== undefined ? Number(stated) : found >= 0 ? found + 10 : null;
  if (position === null) return '';
  const before = text.slice(0, position).split('\n');
  return ` at line ${before.length}, column ${(before[before.length - 1]?.length ?? 0) + 1}`;
}

function keyError(reason: string, explanation: string): KratosError {
  return badRequest(reason, { details: { explanation } });
}
