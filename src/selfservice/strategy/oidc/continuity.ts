import type { PendingUpstreamSignIn } from './flow-context.js';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Config } from '../../../config/types.js';
import { isSecureBaseUrl, serializeCookie } from '../../../http/cookies.js';
import { readCookie } from '../../../session/session-credentials.js';
import type { Flow } from '../../flow.js';

/**
 * What ties the callback to the submit that started it (Kratos's state + continuity container, state.go):
 *
 * - `state` = `<flow id>.<256 random bits>`. The flow id says where to look; the random part is a bearer
 *   secret whose SHA-256 the flow keeps. A tampered, foreign or replayed state matches nothing.
 * - The pending sign-in lives in the flow's server-side `internalContext` (never serialized to clients): the
 *   state hash, the PKCE verifier and nonce (which so never appear in a URL or cookie), the provider, when it
 *   expires, and for browser flows the hash of the continuity cookie.
 * - The continuity cookie (`ory_kratos_continuity`, HttpOnly, SameSite=Lax so it survives the top-level
 *   redirect back from the provider) binds the sign-in to the browser that started it: a callback URL opened in
 *   another browser, e.g. one an attacker planted to log a victim into the attacker's account, is refused.
 * - A pending sign-in is used once: the callback removes it before talking to the provider, so the same
 *   callback URL cannot be replayed, and a new submit replaces the previous one.
 *
 * API flows (native apps) have no cookie: there the session token exchange codes bind the result to the app.
 */
export const CONTINUITY_COOKIE = 'ory_kratos_continuity';
/** Kratos's continuity container lifespan for OIDC. */
export const PENDING_LIFETIME_MS = 30 * 60 * 1000;

const SECRET_BYTES = 32;


export function newState(flowId: string): { state: string; stateHash: string } {
  const secret = randomBytes(SECRET_BYTES).toString('base64url');
  return { state: `${flowId}.${secret}`, stateHash: sha256(secret) };
}

/** Splits a state into the flow id and the secret; null when it is not of our making. */
export function parseState(state: string): { flowId: string; secret: string } | null {
  if (state.length > 200) return null;
  const match = /^([0-9a-f-]{36})\.([A-Za-z0-9_-]{43})$/.exec(state);
  return match ? { flowId: match[1] as string, secret: match[2] as string } : null;
}

export function stateMatches(pending: PendingUpstreamSignIn, secret: string): boolean {
  return hashesEqual(pending.state_hash, sha256(secret));
}

/** The browser's continuity value: the one it has (so tabs do not evict each other's sign-ins), or a new one. */
export function continuityValueOf(headers: Headers): { value: string; isNew: boolean } {
  const existing = continuityCookieValue(headers);
  return existing ? { value: existing, isNew: false } : { value: randomBytes(SECRET_BYTES).toString('base64url'), isNew: true };
}

export function continuityCookieValue(headers: Headers): string | null {
  const value = readCookie(headers.get('cookie'), CONTINUITY_COOKIE);
  return value && /^[A-Za-z0-9_-]{43}$/.test(value) ? value : null;
}

export function continuityMatches(pending: PendingUpstreamSignIn, headers: Headers): boolean {
  const value = continuityCookieValue(headers);
  return value !== null && pending.continuity_hash !== null && hashesEqual(pending.continuity_hash, sha256(value));
}

export function continuityHash(value: string): string {
  return sha256(value);
}

export function continuityCookie(config: Config, value: string): string {
  return serializeCookie(CONTINUITY_COOKIE, value, {
    path: '/',
    domain: config.session.cookie.domain,
    sameSite: 'Lax',
    secure: isSecureBaseUrl(config),
    maxAgeSeconds: PENDING_LIFETIME_MS / 1000,
  });
}

export function clearedContinuityCookie(config: Config): string {
  return serializeCookie(CONTINUITY_COOKIE, '', { path: '/', domain: config.session.cookie.domain, sameSite: 'Lax', secure: isSecureBaseUrl(config), maxAgeSeconds: 0 });
}

export function pendingSignInOf(flow: Flow): PendingUpstreamSignIn | null {
  const value = flow.internalContext.oidc_pending;
  return typeof value === 'object' && value !== null ? value : null;
}

export function setPendingSignIn(flow: Flow, pending: PendingUpstreamSignIn | null): void {
  if (pending) flow.internalContext.oidc_pending = pending;
  else delete flow.internalContext.oidc_pending;
}

export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

export function hashesEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && left.length > 0 && timingSafeEqual(left, right);
}
