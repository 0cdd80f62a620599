import { randomBytes } from 'node:crypto';
import { sha256 } from '../text/sha256.js';

/**
 * Session and logout tokens: a recognisable prefix (Kratos's `ory_st_` / `ory_lo_`, so secret scanners and
 * existing clients know them) followed by 43 base62 characters, i.e. 256 bits from the CSPRNG. Only the SHA-256
 * of a token is ever stored.
 */
export const SESSION_TOKEN_PREFIX = 'ory_st_';
export const LOGOUT_TOKEN_PREFIX = 'ory_lo_';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const RANDOM_CHARS = 43; // 62^43 > 2^256

export function generateToken(prefix: string): string {
  let out = prefix;
  while (out.length < prefix.length + RANDOM_CHARS) {
    for (const byte of randomBytes(64)) {
      // Rejection sampling keeps every character uniform: 248 = 4 * 62.
      if (byte < 248) out += ALPHABET[byte % 62];
      if (out.length === prefix.length + RANDOM_CHARS) break;
    }
  }
  return out;
}

export function hashToken(token: string): string {
  return sha256(token, 'hex');
}
