import type { MiddlewareHandler } from 'hono';
import { apiKeyRejected } from '../../errors/kratos-error.js';
import type { AppEnv } from '../app-env.js';
import { bearerTokenOf, secretMatcher } from './secret-compare.js';

/**
 * Requires `Authorization: Bearer <key>` when an admin API key is configured, compared in constant time
 * (secret-compare.ts). Exempt paths (health, version, and the users API, which has a key of its own) pass.
 */
export function adminApiKey(key: string | null, exemptPaths: readonly string[] = []): MiddlewareHandler<AppEnv> {
  const matches = key ? secretMatcher(key) : null;
  return async function adminApiKeyMiddleware(c, next) {
    if (!matches || exemptPaths.includes(c.req.path)) return next();
    if (!matches(bearerTokenOf(c.req.header('authorization')))) {
      throw apiKeyRejected('admin');
    }
    return next();
  };
}
