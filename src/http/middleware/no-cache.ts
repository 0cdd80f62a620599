import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env.js';

export const NO_CACHE = 'private, no-cache, no-store, must-revalidate';

/** The methods whose responses Kratos marks uncacheable. */
export const isNoCacheMethod = (method: string): boolean => method === 'GET' || method === 'HEAD';

/**
 * Kratos marks every GET response uncacheable (httprouterx.NoCacheNegroni); routes may override it. Set before
 * the route runs, so a route's own `c.header('Cache-Control', ...)` wins and responses built through the context
 * carry it. It is not checked afterwards on purpose: reading `c.res.headers` turns @hono/node-server's
 * lightweight response into a full one and costs whoami a tenth of its throughput. Responses built outside the
 * context set it themselves (errorResponse, htmlResponse).
 */
export function noCache(): MiddlewareHandler<AppEnv> {
  return async function noCacheMiddleware(c, next) {
    if (isNoCacheMethod(c.req.method)) c.header('Cache-Control', NO_CACHE);
    await next();
  };
}
