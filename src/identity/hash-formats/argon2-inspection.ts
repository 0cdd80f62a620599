import type { HashInspection } from './hash-inspection.js';
import { decodeRawStdBase64 } from './phc-base64.js';

const PARAMS = /^m=(\d+),t=(\d+),p=(\d+)$/;
// Kratos's bounds (hash/hash_limits.go).
const MAX_MEMORY_KIB = 1 << 20;
const MAX_ITERATIONS = 10;
const MAX_PARALLELISM = 16;

/** Checks an `$argon2id$`/`$argon2i$` PHC string the way Kratos decodes it before accepting an import. */
export function inspectArgon2(hash: string): HashInspection {
  const parts = hash.split('$');
  if (parts.length !== 6 || parts[2] !== 'v=19') return 'unparseable';
  const params = PARAMS.exec(parts[3] ?? '');
  if (!params) return 'unparseable';
  if (!decodeRawStdBase64(parts[4] ?? '') || !decodeRawStdBase64(parts[5] ?? '')) return 'unparseable';
  const [memory, iterations, parallelism] = [Number(params[1]), Number(params[2]), Number(params[3])];
  if (memory < 1 || memory > MAX_MEMORY_KIB || iterations < 1 || iterations > MAX_ITERATIONS || parallelism < 1 || parallelism > MAX_PARALLELISM) {
    return 'out_of_bounds';
  }
  return 'ok';
}
