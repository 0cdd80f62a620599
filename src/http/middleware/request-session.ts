import type { MiddlewareHandler } from 'hono';
import { RequestSession, type SessionLookupDeps } from '../../session/request-session.js';
import type { AppEnv } from '../app-env.js';

/**
 * Puts the caller's session on the context as `c.var.session`, a lazy `RequestSession`: routes that never ask
 * cost one small object, routes that ask twice look the token up once.
 */
export function requestSession(deps: SessionLookupDeps): MiddlewareHandler<AppEnv> {
  return async function requestSessionMiddleware(c, next) {
    c.set('session', new RequestSession(c.req.raw.headers, deps));
    await next();
  };
}
