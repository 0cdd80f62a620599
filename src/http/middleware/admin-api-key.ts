import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { unauthorized } from '../../errors/kratos-error.js';
import type { AppEnv } from '../app-env.js';

/**
 * Requires `Authorization: Bearer <key>` when an admin API key is configured. Both sides are hashed first so the
 * comparison is constant-time regardless of the presented key's length.
 */
export function adminApiKey(key: string | null, exemptPaths: readonly string[] = []): MiddlewareHandler<AppEnv> {
  const expected = key ? digest(key) : null;
  return async function adminApiKeyMiddleware(c, next) {
    if (!expected || exemptPaths.includes(c.req.path)) return next();
    const header = c.req.header('authorization') ?? '';
    const presented = header.toLowerCase().startsWith('bearer ') ? header.slice(7).trim() : '';
    if (!timingSafeEqual(digest(presented), expected)) {
      throw unauthorized('The admin API key is missing or wrong.', { headers: { 'WWW-Authenticate': 'Bearer' } });
    }
    return next();
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
