import { Hono } from 'hono';
import type { Deps } from '../deps.js';
import { browserFlowInitUrl } from '../selfservice/browser-urls.js';
import { renderErrorPage } from '../ui/error-page.js';
import type { AppEnv } from './app-env.js';
import { createErrorHandler, notFoundHandler } from './error-handler.js';
import { noCache } from './middleware/no-cache.js';
import { requestContext } from './middleware/request-context.js';
import { requestSession } from './middleware/request-session.js';
import { healthRoutes } from './routes/health.js';
import { oidcRoutes } from './routes/oidc.js';
import { schemaRoutes } from './routes/schemas.js';
import { selfServiceApiRoutes } from './routes/selfservice-api.js';
import { selfServiceBrowserRoutes } from './routes/selfservice-browser.js';
import { uiRoutes } from './routes/ui.js';
import { wellKnownRoutes } from './routes/well-known.js';
import { whoamiRoutes } from './routes/whoami.js';

/**
 * The public API (default port 4433): self-service flows, whoami and the JWKS. A pure factory: no sockets, no
 * process state, so tests call `app.request()` on it directly.
 */
export function createPublicApp(deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use(requestContext(deps.logger, deps.config.tessera.trusted_proxies));
  app.use(noCache());
  app.use(requestSession(deps));
  app.onError(
    createErrorHandler(deps.logger, {
      html: {
        appliesTo: (path) => path.startsWith('/self-service/') || path.startsWith('/ui/'),
        render: (error) => renderErrorPage({ code: error.code, id: error.id, message: error.message, reason: error.reason, startOverUrl: browserFlowInitUrl(deps.config, 'login') }),
      },
    }),
  );
  app.notFound(notFoundHandler);

  app.route('/', healthRoutes(deps));
  app.route('/', whoamiRoutes(deps));
  app.route('/', selfServiceApiRoutes(deps));
  app.route('/', selfServiceBrowserRoutes(deps));
  app.route('/', oidcRoutes(deps));
  app.route('/', uiRoutes(deps));
  app.route('/', schemaRoutes(deps));
  app.route('/', wellKnownRoutes(deps));
  // Admin routes are deliberately absent here: /admin/* on the public port is a 404, never a redirect.
  return app;
}
