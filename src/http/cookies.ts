import type { Config } from '../config/types.js';
import { csrfCookieName } from '../selfservice/csrf-token.js';

/**
 * The two cookies of browser flows, serialized by hand (RFC 6265 `Set-Cookie`). Both are HttpOnly, so scripts,
 * including injected ones, never see them; Secure whenever the public base URL is https.
 *
 * Not hono/cookie's setCookie: it percent-encodes every value (the anti-CSRF token is standard base64, so `+`, `/`
 * and `=` would change on the wire), and it throws for a Max-Age over 400 days, which a long `session.lifespan`
 * with `session.cookie.persistent` asks for. Reading stays with session-credentials.ts `readCookie` too:
 * getCookie drops values outside RFC 6265's cookie-octets and unquotes quoted ones, which Tessera does
 * not do today.
 */
interface CookieAttributes {
  maxAgeSeconds?: number;
  domain?: string | null;
  path: string;
  sameSite: 'Strict' | 'Lax' | 'None';
  secure: boolean;
}

export function serializeCookie(name: string, value: string, attributes: CookieAttributes): string {
  const parts = [`${name}=${value}`, `Path=${attributes.path}`];
  if (attributes.domain) parts.push(`Domain=${attributes.domain}`);
  if (attributes.maxAgeSeconds !== undefined) {
    parts.push(`Max-Age=${attributes.maxAgeSeconds}`);
    // Expires too, for the few clients that ignore Max-Age.
    parts.push(`Expires=${new Date(Date.now() + attributes.maxAgeSeconds * 1000).toUTCString()}`);
  }
  parts.push('HttpOnly');
  if (attributes.secure) parts.push('Secure');
  parts.push(`SameSite=${attributes.sameSite}`);
  return parts.join('; ');
}

export function isSecureBaseUrl(config: Config): boolean {
  return config.serve.public.base_url.toLowerCase().startsWith('https:');
}

/** The session cookie: named, scoped and SameSite from `session.cookie`; persistent for the session's lifespan. */
export function sessionCookie(config: Config, sessionToken: string): string {
  const { name, domain, path, same_site: sameSite, persistent } = config.session.cookie;
  return serializeCookie(name, sessionToken, {
    path,
    domain,
    sameSite,
    secure: isSecureBaseUrl(config),
    ...(persistent ? { maxAgeSeconds: Math.floor(config.session.lifespan / 1000) } : {}),
  });
}

export function clearedSessionCookie(config: Config): string {
  const { name, domain, path, same_site: sameSite } = config.session.cookie;
  return serializeCookie(name, '', { path, domain, sameSite, secure: isSecureBaseUrl(config), maxAgeSeconds: 0 });
}

/** nosurf keeps its cookie for a year; the token in it is only a CSRF secret, not a credential. */
const CSRF_COOKIE_MAX_AGE_SECONDS = 365 * 24 * 60 * 60;

export function csrfCookie(config: Config, realToken: string): string {
  return serializeCookie(csrfCookieName(config.serve.public.base_url), realToken, {
    path: '/',
    domain: config.session.cookie.domain,
    sameSite: 'Lax',
    secure: isSecureBaseUrl(config),
    maxAgeSeconds: CSRF_COOKIE_MAX_AGE_SECONDS,
  });
}
