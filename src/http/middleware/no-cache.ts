import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env.js';

/** Kratos marks every GET response uncacheable (httprouterx.NoCacheNegroni); routes may override it. */
export function noCache(): MiddlewareHandler<AppEnv> {
  return async function noCacheMiddleware(c, next) {
    await next();
    if ((c.req.method === 'GET' || c.req.method === 'HEAD') && !c.res.headers.has('cache-control')) {
      c.res.headers.set('Cache-Control', 'private, no-cache, no-store, must-revalidate');
    }
  };
}
