import { pbkdf2, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import type { HashFormat } from '../password-hasher.js';
import { decodeRawStdBase64 } from './phc-base64.js';
import { phcCostClass } from './phc-cost-class.js';

const pbkdf2Async = promisify(pbkdf2);
const PBKDF2_PREFIX = /^\$pbkdf2-sha[0-9]{1,3}\$/;
const PARAMS = /^i=(\d+),l=(\d+)$/;
/** Kratos's bound: ten times the strongest published recommendation (OWASP 2023: 600k for SHA-256). */
const MAX_ITERATIONS = 10_000_000;

interface Pbkdf2Hash {
  digest: string;
  iterations: number;
  salt: Buffer;
  key: Buffer;
}

/**
 * `$pbkdf2-<digest>$i=<iterations>,l=<length>$<salt>$<key>` (unpadded base64), the format Kratos documents for
 * imports. The digest names map as Kratos maps them: `sha224` and `sha384` are SHA3 there (kept for backwards
 * compatibility upstream), unknown names fall back to SHA-256. The key length is the decoded key's, as in Kratos.
 * Derivation runs asynchronously on libuv's threadpool.
 */
export const pbkdf2Format: HashFormat = {
  name: 'pbkdf2',
  matches: (hash) => PBKDF2_PREFIX.test(hash),
  inspect(hash) {
    const parsed = decodePbkdf2(hash);
    if (parsed === null) return 'unparseable';
    return parsed.iterations < 1 || parsed.iterations > MAX_ITERATIONS ? 'out_of_bounds' : 'ok';
  },
  costClass: phcCostClass,
  async verify(hash, password) {
    const parsed = decodePbkdf2(hash);
    if (!parsed || parsed.iterations < 1 || parsed.iterations > MAX_ITERATIONS || parsed.key.length === 0) return false;
    const derived = await pbkdf2Async(password, parsed.salt, parsed.iterations, parsed.key.length, parsed.digest);
    return timingSafeEqual(derived, parsed.key);
  },
};

function decodePbkdf2(hash: string): Pbkdf2Hash | null {
  const parts = hash.split('$');
  if (parts.length !== 5) return null;
  const algorithm = (parts[1] ?? '').split('-')[1] ?? '';
  const params = PARAMS.exec(parts[2] ?? '');
  if (!params) return null;
  const salt = decodeRawStdBase64(parts[3] ?? '');
  const key = decodeRawStdBase64(parts[4] ?? '');
  if (!salt || !key) return null;
  return { digest: digestFor(algorithm), iterations: Number(params[1]), salt, key };
}

function digestFor(algorithm: string): string {
  switch (algorithm) {
    case 'sha1':
      return 'sha1';
    case 'sha224':
      return 'sha3-224';
    case 'sha384':
      return 'sha3-384';
    case 'sha512':
      return 'sha512';
    default:
      return 'sha256';
  }
}
