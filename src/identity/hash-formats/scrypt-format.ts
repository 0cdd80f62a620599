import { scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { HashFormat } from '../password-hasher.js';
import { decodePaddedStdBase64 } from './phc-base64.js';
import { phcCostClass } from './phc-cost-class.js';

const SCRYPT_PREFIX = /^\$scrypt\$/;
const PARAMS = /^ln=(\d+),r=(\d+),p=(\d+)$/;
// Kratos's bounds (hash/hash_limits.go): at most 128 MiB per comparison.
const MAX_N = 1 << 17;
const MAX_R = 8;
const MAX_P = 10;
const MAX_MEMORY_BYTES = 256 * 1024 * 1024;

interface ScryptHash {
  n: number;
  r: number;
  p: number;
  salt: Buffer;
  key: Buffer;
}

/**
 * `$scrypt$ln=<N>,r=<r>,p=<p>$<salt>$<key>` (padded base64), as Kratos imports it. Despite its name Kratos reads
 * `ln` as N itself, not its logarithm (`ln=16384` in its own test vectors), so Tessera does the same: hashes
 * exported for Kratos verify here unchanged. Runs on libuv's threadpool via node:crypto.
 */
export const scryptFormat: HashFormat = {
  name: 'scrypt',
  matches: (hash) => SCRYPT_PREFIX.test(hash),
  inspect(hash) {
    const parsed = decodeScrypt(hash);
    if (parsed === null) return 'unparseable';
    return withinBounds(parsed) ? 'ok' : 'out_of_bounds';
  },
  costClass: phcCostClass,
  async verify(hash, password) {
    const parsed = decodeScrypt(hash);
    if (!parsed || !withinBounds(parsed) || parsed.key.length === 0) return false;
    const derived = await scryptAsync(password, parsed.salt, parsed.key.length, { N: parsed.n, r: parsed.r, p: parsed.p, maxmem: MAX_MEMORY_BYTES });
    return timingSafeEqual(derived, parsed.key);
  },
};

function scryptAsync(password: string, salt: Buffer, length: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(password, salt, length, options, (error, key) => (error ? reject(error) : resolve(key))));
}

function withinBounds(hash: ScryptHash): boolean {
  return hash.n >= 1 && hash.n <= MAX_N && hash.r >= 1 && hash.r <= MAX_R && hash.p >= 1 && hash.p <= MAX_P;
}

function decodeScrypt(hash: string): ScryptHash | null {
  const parts = hash.split('$');
  if (parts.length !== 5) return null;
  const params = PARAMS.exec(parts[2] ?? '');
  if (!params) return null;
  const n = Number(params[1]);
  // scrypt needs N to be a power of two above 1; anything else could never verify, so it is refused on import.
  if (n < 2 || (n & (n - 1)) !== 0) return null;
  const salt = decodePaddedStdBase64(parts[3] ?? '');
  const key = decodePaddedStdBase64(parts[4] ?? '');
  if (!salt || !key) return null;
  return { n, r: Number(params[2]), p: Number(params[3]), salt, key };
}
