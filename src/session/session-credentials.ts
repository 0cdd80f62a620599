import { hashToken } from './session-token.js';
import type { Store } from '../store/store.js';
import type { SessionWithIdentity } from './session.js';
import { isSessionActive } from './session-json.js';

/** Request headers by name, as `Headers.get` reads them (several values of one name joined by ", "). */
export interface HeaderLookup {
  get(name: string): string | null;
}

/**
 * Where a request carries its session, in Kratos's order of precedence: the `X-Session-Token` header, then the
 * session cookie, then `Authorization: Bearer <token>`.
 */
export function extractSessionToken(headers: HeaderLookup, cookieName: string): string | null {
  const header = headers.get('x-session-token');
  if (header) return header;
  const cookie = readCookie(headers.get('cookie'), cookieName);
  if (cookie) return cookie;
  const authorization = headers.get('authorization');
  if (authorization) {
    const parts = authorization.split(' ');
    if (parts.length === 2 && parts[0]?.toLowerCase() === 'bearer' && parts[1]) return parts[1];
  }
  return null;
}

export function readCookie(header: string | null, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index === -1) continue;
    if (part.slice(0, index).trim() === name) {
      const value = part.slice(index + 1).trim();
      try {
        return decodeURIComponent(value);
      } catch {
        return value;
      }
    }
  }
  return null;
}

/** The session a token names, active or not (native logout ends it either way), or null. */
export async function findSessionByToken(store: Store, token: string): Promise<SessionWithIdentity | null> {
  // Tokens are short; anything long is not ours and is not worth hashing.
  if (token.length > 256) return null;
  return store.findSessionByTokenHash(hashToken(token));
}

/** Looks a token up and returns the session only if it is active, unexpired and its identity is active. */
export async function findActiveSession(store: Store, token: string, now: Date): Promise<SessionWithIdentity | null> {
  const session = await findSessionByToken(store, token);
  if (!session || !isSessionActive(session, now, session.identity.state)) return null;
  return session;
}
