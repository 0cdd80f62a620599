import { NO_CACHE } from './middleware/no-cache.js';

/**
 * Built-in pages are sent with headers that keep them inert: no scripts, no framing (clickjacking on a login
 * form), no sniffing, and no referrer (page URLs carry flow ids). Inline CSS is the only thing allowed to load.
 */
const SECURITY_HEADERS: Record<string, string> = {
  'Content-Type': 'text/html; charset=utf-8',
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'",
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': NO_CACHE,
};

export function htmlResponse(body: string, status = 200, headers: Headers = new Headers()): Response {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) headers.set(name, value);
  return new Response(body, { status, headers });
}
