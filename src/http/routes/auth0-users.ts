import { Hono } from 'hono';
import type { Deps } from '../../deps.js';
import { apiKeyRejected, badRequest } from '../../errors/kratos-error.js';
import { toAuth0User } from '../../users-api/auth0-user.js';
import type { AppEnv } from '../app-env.js';
import { notFoundHandler } from '../error-handler.js';
import { bearerTokenOf, secretMatcher } from '../middleware/secret-compare.js';

export const USERS_API_PATH = '/api/v2/users';
const DEFAULT_PER_PAGE = 50;
const MAX_PER_PAGE = 100;

/**
 * `GET /api/v2/users`: Auth0's Management API "list users", enough of it for Supabase Wrappers' `auth0_fdw`
 * (https://github.com/supabase/wrappers/tree/main/wrappers/src/fdw/auth0_fdw) to read Tessera's identities into a foreign table. The FDW pages with `page` (0-based),
 * `per_page=50` and `include_totals=true` while `total > 50 * pages read`, so `total` is always exact.
 *
 * It is off unless `tessera.users_api.api_key` is set: without a key the path answers 404, as if it did not exist.
 * The key (sent as `Authorization: Bearer <key>`) is separate from the admin API key and compared in constant time.
 */
export function auth0UserRoutes(deps: Pick<Deps, 'config' | 'store' | 'schemas'>): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const configuredKey = deps.config.tessera.users_api.api_key;
  const matches = configuredKey ? secretMatcher(configuredKey) : null;

  app.get(USERS_API_PATH, async (c) => {
    if (!matches) return notFoundHandler(c);
    if (!matches(bearerTokenOf(c.req.header('authorization')))) {
      throw apiKeyRejected('users');
    }
    const page = nonNegativeInt(c.req.query('page'), 0, 'page');
    const perPage = Math.min(MAX_PER_PAGE, nonNegativeInt(c.req.query('per_page'), DEFAULT_PER_PAGE, 'per_page') || DEFAULT_PER_PAGE);
    const includeTotals = c.req.query('include_totals') === 'true';
    const identities = await deps.store.listIdentities({ pageSize: perPage, offset: page * perPage, withCredentials: true });
    const users = identities.map((identity) => toAuth0User(identity, deps.schemas.get(identity.schemaId)));
    if (!includeTotals) return c.json(users);
    const total = await deps.store.countIdentities();
    return c.json({ start: page * perPage, limit: perPage, length: users.length, total, users });
  });

  return app;
}

function nonNegativeInt(raw: string | undefined, fallback: number, name: string): number {
  if (raw === undefined || raw === '') return fallback;
  if (!/^[0-9]{1,9}$/.test(raw)) throw badRequest(`${name} must be a non-negative integer`);
  return Number(raw);
}
