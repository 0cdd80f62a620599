import { createHmac, timingSafeEqual } from 'node:crypto';
import { LOGOUT_TOKEN_PREFIX } from './session-token.js';

/**
 * A session's logout token is derived from its session token: `ory_lo_` + base62(HMAC-SHA256(session token)).
 * Whoever holds the session cookie can be handed the logout URL again at any time, by any instance sharing the
 * database, without a stored plaintext token or a configured secret; and the logout token reveals nothing about
 * the session token (HMAC is one-way). The session row keeps only its SHA-256, like every other token.
 */
const LABEL = 'tessera logout token v1';
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const CHARS = 43; // 62^43 > 2^256, so every digest has a distinct encoding

export function deriveLogoutToken(sessionToken: string): string {
  let value = BigInt(`0x${createHmac('sha256', sessionToken).update(LABEL).digest('hex')}`);
  let out = '';
  for (let i = 0; i < CHARS; i++) {
    out = ALPHABET[Number(value % 62n)] + out;
    value /= 62n;
  }
  return LOGOUT_TOKEN_PREFIX + out;
}

export function logoutTokenMatches(sessionToken: string, presented: string): boolean {
  const expected = Buffer.from(deriveLogoutToken(sessionToken));
  const actual = Buffer.from(presented);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
