import type { Config } from '../config/types.js';
import { KratosError } from '../errors/kratos-error.js';
import { readCookie } from '../session/session-credentials.js';
import type { Flow } from '../store/types.js';
import { browserFlowInitUrl } from './browser-urls.js';
import { csrfCookieName, csrfTokenMatches, isWellFormedCsrfToken } from './csrf-token.js';
import { csrfTokenOf } from './flow-lifecycle.js';
import { isObject } from '../json/is-object.js';

/**
 * The CSRF check of browser flows (Kratos's flow.EnsureCSRF for browser flows, x/nosurf.go for the error): the
 * token a form sends back must unmask to the value of the anti-CSRF cookie. A cross-site page can make a browser
 * send the cookie, but it can neither read it nor the form's token, so it cannot forge a matching pair.
 */
const REASON =
  'Please retry the flow and optionally clear your cookies. The request was rejected to protect you from Cross-Site-Request-Forgery (CSRF) which could cause account takeover, leaking personal information, and other serious security issues.';
const MESSAGE =
  'The request was rejected to protect you from Cross-Site-Request-Forgery (CSRF) which could cause account takeover, leaking personal information, and other serious security issues.';

const REJECT_REASON = {
  noCookies: 'The HTTP cookie header is empty or not set.',
  cookieMissing: 'The HTTP cookie header was set but did not include the anti-CSRF cookie.',
  tokenNotSent: 'The anti-CSRF cookie was found but the CSRF token was not included in the HTTP request body (csrf_token) nor in the HTTP header (X-CSRF-Token).',
  tokenMismatch: 'The HTTP cookie header was set and a CSRF token was sent but they do not match. We recommend deleting all cookies for this domain and retrying the flow.',
} as const;

/** The real token from this request's anti-CSRF cookie, or null when there is none of the right shape. */
export function csrfCookieToken(headers: Headers, publicBaseUrl: string): string | null {
  const value = readCookie(headers.get('cookie'), csrfCookieName(publicBaseUrl));
  return isWellFormedCsrfToken(value) ? value : null;
}

/** Throws 403 `security_csrf_violation` unless `submitted` (body field or X-CSRF-Token header) matches the cookie. */
export function ensureCsrf(headers: Headers, publicBaseUrl: string, submitted: unknown, details: Record<string, unknown> = {}): void {
  const cookieToken = csrfCookieToken(headers, publicBaseUrl);
  const token = typeof submitted === 'string' && submitted !== '' ? submitted : headers.get('x-csrf-token');
  if (csrfTokenMatches(cookieToken, token)) return;
  throw csrfViolation(rejectReason(headers, cookieToken, token), details);
}

export function csrfViolation(reason: string, details: Record<string, unknown> = {}): KratosError {
  return new KratosError(403, { id: 'security_csrf_violation', reason: REASON, message: MESSAGE, details: { ...details, reject_reason: reason } });
}

function rejectReason(headers: Headers, cookieToken: string | null, token: unknown): string {
  if (!headers.get('cookie')) return REJECT_REASON.noCookies;
  if (!cookieToken) return REJECT_REASON.cookieMissing;
  if (typeof token !== 'string' || token === '') return REJECT_REASON.tokenNotSent;
  return REJECT_REASON.tokenMismatch;
}

/** The check for fetching a browser flow: the flow must have been created for this browser's cookie. */
export function ensureFlowBelongsToBrowser(headers: Headers, publicBaseUrl: string, flowCsrfToken: unknown, redirectTo: string): void {
  const cookieToken = csrfCookieToken(headers, publicBaseUrl);
  if (csrfTokenMatches(cookieToken, flowCsrfToken)) return;
  throw csrfViolation(headers.get('cookie') ? (cookieToken ? REJECT_REASON.tokenMismatch : REJECT_REASON.cookieMissing) : REJECT_REASON.noCookies, { redirect_to: redirectTo });
}

/** The submit-time check of a browser flow: the body's `csrf_token` (or the X-CSRF-Token header) against the cookie. */
export function ensureBrowserSubmitCsrf(headers: Headers, publicBaseUrl: string, body: unknown): void {
  const submitted = isObject(body) ? body.csrf_token : undefined;
  ensureCsrf(headers, publicBaseUrl, submitted);
}

/**
 * The check for a browser submit that acts on what the flow holds (an upstream sign-in it starts, an account link
 * it waits on): the token must match the cookie, and the flow must have been made for that cookie. A valid token
 * pair of another browser, or a form another site makes the browser send (no cookie comes along), does not do.
 */
export function ensureBrowserSubmitOwnsFlow(config: Config, headers: Headers, body: unknown, flow: Flow): void {
  const publicBaseUrl = config.serve.public.base_url;
  ensureBrowserSubmitCsrf(headers, publicBaseUrl, body);
  ensureFlowBelongsToBrowser(headers, publicBaseUrl, csrfTokenOf(flow), browserFlowInitUrl(config, flow.kind, flow.returnTo));
}
