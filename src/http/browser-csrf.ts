import type { Context } from 'hono';
import type { Deps } from '../deps.js';
import { csrfCookieToken } from '../selfservice/csrf-guard.js';
import { generateCsrfToken } from '../selfservice/csrf-token.js';
import type { AppEnv } from './app-env.js';
import { csrfCookie } from './cookies.js';

/**
 * The browser's anti-CSRF token: the one in its cookie when it has a valid one (so several tabs with flows of
 * their own keep working), otherwise a new one, sent as a cookie with this response.
 */
export function ensureCsrfCookie(deps: Pick<Deps, 'config'>, c: Context<AppEnv>): string {
  const existing = csrfCookieToken(c.req.raw.headers, deps.config.serve.public.base_url);
  if (existing) return existing;
  const token = generateCsrfToken();
  c.header('Set-Cookie', csrfCookie(deps.config, token), { append: true });
  return token;
}
