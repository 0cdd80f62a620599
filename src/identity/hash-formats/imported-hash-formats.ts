import type { HashFormat } from '../password-hasher.js';
import { bcryptFormat } from './bcrypt-format.js';
import { pbkdf2Format } from './pbkdf2-format.js';
import { scryptFormat } from './scrypt-format.js';

/**
 * The non-native hash formats Tessera accepts on import, besides its own argon2. A password stored in one of them
 * is verified as is and replaced by the configured argon2id on the next successful login.
 */
export const importedHashFormats: readonly HashFormat[] = [bcryptFormat, pbkdf2Format, scryptFormat];
