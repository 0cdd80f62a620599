import { randomUUID } from 'node:crypto';
import type { AuthenticationMethod, NewSession } from './session.js';
import { deriveLogoutToken } from './logout-token.js';
import { generateToken, hashToken, SESSION_TOKEN_PREFIX } from './session-token.js';

export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
}

export interface IssuedSession {
  /** The secret handed to the client once; only its hash is stored. */
  token: string;
  logoutToken: string;
  session: NewSession;
}

/** A new aal1 session for an identity that just proved a credential (or registered with the session hook). */
export function issueSession(identityId: string, method: Omit<AuthenticationMethod, 'aal' | 'completed_at'>, client: ClientInfo, now: Date, lifespanMs: number): IssuedSession {
  const token = generateToken(SESSION_TOKEN_PREFIX);
  // Derived, not random: browser logout hands it out again later from the session cookie (logout-token.ts).
  const logoutToken = deriveLogoutToken(token);
  return {
    token,
    logoutToken,
    session: {
      id: randomUUID(),
      identityId,
      tokenHash: hashToken(token),
      logoutTokenHash: hashToken(logoutToken),
      active: true,
      expiresAt: new Date(now.getTime() + lifespanMs),
      authenticatedAt: now,
      issuedAt: now,
      aal: 'aal1',
      authenticationMethods: [{ ...method, aal: 'aal1', completed_at: now.toISOString() }],
      devices: [{ id: randomUUID(), ip_address: client.ip, user_agent: client.userAgent, location: '' }],
      createdAt: now,
      updatedAt: now,
    },
  };
}
