import bcrypt from 'bcrypt';
import type { HashFormat } from '../password-hasher.js';

// Kratos's matcher (hash/hash_comparator.go): `$2$`, `$2a$`, `$2b$`, `$2y$`, `$2z$`.
const BCRYPT_PREFIX = /^\$2[abzy]?\$/;
const BCRYPT_SHAPE = /^\$2[abzy]?\$(\d\d)\$[./A-Za-z0-9]{53}$/;
const MIN_COST = 4;
const MAX_COST = 31;
/** Kratos refuses imported bcrypt hashes above cost 15 (about 2 s per login). */
const MAX_IMPORT_COST = 15;
/**
 * bcrypt keys Blowfish with at most 72 bytes of the password; whatever follows does not change the hash. A hash
 * made elsewhere (PHP, Python, Go before it refused long inputs, glibc's crypt) from a longer password therefore
 * verifies with any password sharing those 72 bytes, and that is how it is checked here: as bcrypt defines it,
 * not as a mismatch, which would lock out every imported user with a long passphrase.
 */
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
  costClass: (hash) => `bcrypt$${hash.split('$')[2] ?? ''}`,
  async verify(hash, password) {
    // The cut is explicit (and on bytes: it may split a UTF-8 character, as it does in every bcrypt) rather than
    // left to the addon.
    const key = Buffer.from(password, 'utf8').subarray(0, MAX_PASSWORD_BYTES);
    try {
      return await bcrypt.compare(key, hash.replace(BCRYPT_PREFIX, '$2b$'));
    } catch {
      return false;
    }
  },
};
