import bcrypt from 'bcrypt';
import type { HashFormat } from '../password-hasher.js';

// Kratos's matcher (hash/hash_comparator.go): `$2$`, `$2a$`, `$2b$`, `$2y$`, `$2z$`.
const BCRYPT_PREFIX = /^\$2[abzy]?\$/;
const BCRYPT_SHAPE = /^\$2[abzy]?\$(\d\d)\$[./A-Za-z0-9]{53}$/;
const MIN_COST = 4;
const MAX_COST = 31;
/** Kratos refuses imported bcrypt hashes above cost 15 (about 2 s per login). */
const MAX_IMPORT_COST = 15;
/** bcrypt only reads 72 bytes; Kratos treats longer passwords as a mismatch rather than silently truncating. */
const MAX_PASSWORD_BYTES = 72;

/**
 * bcrypt, as exported by Auth0, Supabase/GoTrue, Laravel, Django and Kratos itself. Verification runs in the
 * native `bcrypt` addon on libuv's threadpool, never on the event loop. The minor version letters differ only in
 * bugs of old C implementations that Go (and so Kratos) ignores; the addon accepts `$2a$`/`$2b$` only, so every
 * variant is verified as `$2b$`.
 */
export const bcryptFormat: HashFormat = {
  name: 'bcrypt',
  matches: (hash) => BCRYPT_PREFIX.test(hash),
  inspect(hash) {
    const match = BCRYPT_SHAPE.exec(hash);
    if (!match) return 'unparseable';
    const cost = Number(match[1]);
    if (cost < MIN_COST || cost > MAX_COST) return 'unparseable';
    return cost > MAX_IMPORT_COST ? 'out_of_bounds' : 'ok';
  },
  async verify(hash, password) {
    if (Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES) return false;
    try {
      return await bcrypt.compare(password, hash.replace(BCRYPT_PREFIX, '$2b$'));
    } catch {
      return false;
    }
  },
};
