import type { HashInspection } from './hash-inspection.js';
import { decodeRawStdBase64 } from './phc-base64.js';

const PARAM = /^([mtp])=(\d+)$/;
// Kratos's bounds (hash/hash_limits.go).
const MAX_MEMORY_KIB = 1 << 20;
const MAX_ITERATIONS = 10;
const MAX_PARALLELISM = 16;

/** Checks an `$argon2id$`/`$argon2i$` PHC string the way Kratos decodes it before accepting an import. */
export function inspectArgon2(hash: string): HashInspection {
  const parts = hash.split('$');
  if (parts.length !== 6 || parts[2] !== 'v=19') return 'unparseable';
  // Kratos writes m,t,p; hashes made by the argon2 addon before Tessera reordered them say m,p,t. Both are read.
  const params = new Map<string, number>();
  for (const pair of (parts[3] ?? '').split(',')) {
    const match = PARAM.exec(pair);
    if (!match || params.has(match[1] as string)) return 'unparseable';
    params.set(match[1] as string, Number(match[2]));
  }
  if (params.size !== 3) return 'unparseable';
  if (!decodeRawStdBase64(parts[4] ?? '') || !decodeRawStdBase64(parts[5] ?? '')) return 'unparseable';
  const [memory, iterations, parallelism] = [params.get('m') ?? 0, params.get('t') ?? 0, params.get('p') ?? 0];
  if (memory < 1 || memory > MAX_MEMORY_KIB || iterations < 1 || iterations > MAX_ITERATIONS || parallelism < 1 || parallelism > MAX_PARALLELISM) {
    return 'out_of_bounds';
  }
  return 'ok';
}
