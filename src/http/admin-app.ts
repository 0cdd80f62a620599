import { Hono } from 'hono';
import type { Deps } from '../deps.js';
import type { AppEnv } from './app-env.js';
import { createErrorHandler, notFoundHandler } from './error-handler.js';
import { adminApiKey } from './middleware/admin-api-key.js';
import { adminHostCheck } from './middleware/admin-host.js';
import { noCache } from './middleware/no-cache.js';
import { requestContext } from './middleware/request-context.js';
import { adminIdentityRoutes } from './routes/admin-identities.js';
import { adminSessionRoutes } from './routes/admin-sessions.js';
import { auth0UserRoutes, USERS_API_PATH } from './routes/auth0-users.js';
import { healthRoutes } from './routes/health.js';

// Probes may call these by any name: they reveal nothing a rebinding page could use.
const PROBE_PATHS = ['/health/alive', '/health/ready', '/version', '/admin/health/alive', '/admin/health/ready', '/admin/version'];
// The users API is exempt from the admin key because it checks a key of its own (tessera.users_api.api_key).
const UNAUTHENTICATED_PATHS = [...PROBE_PATHS, USERS_API_PATH];

/**
 * The admin API (default 127.0.0.1:4434). Kratos serves admin routes under `/admin` and also without the prefix
 * (`/identities` is rewritten to `/admin/identities`); both work here too.
 */
export function createAdminApp(deps: Deps): Hono<AppEnv> {
  const api = createAdminApi(deps);

  // Kratos's AddAdminPrefixIfNotPresentNegroni: `/identities/...` behaves like `/admin/identities/...`.
  const app = new Hono<AppEnv>();
  app.all('*', (c) => {
    const url = new URL(c.req.url);
    const needsPrefix = !url.pathname.startsWith('/admin/') && /^\/(identities|sessions|recovery|courier)(\/|$)/.test(url.pathname);
    if (!needsPrefix) return api.fetch(c.req.raw, c.env);
    url.pathname = `/admin${url.pathname}`;
    const original = c.req.raw;
    const body = original.method === 'GET' || original.method === 'HEAD' ? undefined : original.body;
    return api.fetch(new Request(url, { method: original.method, headers: original.headers, body, duplex: 'half' } as RequestInit), c.env);
  });
  return app;
}

/**
 * The admin routes with their canonical `/admin` paths, before the prefix rewrite. Separate so that its route
 * table (`.routes`) lists every admin endpoint: the hostile-input suite enumerates them from it.
 */
export function createAdminApi(deps: Deps): Hono<AppEnv> {
  const api = new Hono<AppEnv>();
  api.use(requestContext(deps.logger, []));
  api.use(noCache());
  api.use(adminHostCheck(deps.config, PROBE_PATHS));
  api.use(adminApiKey(deps.config.tessera.admin.api_key ?? null, UNAUTHENTICATED_PATHS));
  api.onError(createErrorHandler(deps.logger));
  api.notFound(notFoundHandler);
  api.route('/', healthRoutes(deps));
  api.route('/admin', healthRoutes(deps));
  api.route('/', adminIdentityRoutes(deps));
  api.route('/', adminSessionRoutes(deps));
  api.route('/', auth0UserRoutes(deps));
  return api;
}
