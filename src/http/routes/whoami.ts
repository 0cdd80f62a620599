import { Hono, type Context } from 'hono';
import type { Deps } from '../../deps.js';
import { noActiveSession } from '../../errors/kratos-error.js';
import { extractSessionToken } from '../../session/session-credentials.js';
import { whoamiAnswererFor } from '../../session/whoami-answer.js';
import type { AppEnv } from '../app-env.js';
import { NO_CACHE } from '../middleware/no-cache.js';

/**
 * `GET /sessions/whoami` (alias `/session/whoami`): the hot path. One indexed lookup by token hash (answered from
 * a cache that any commit invalidates on SQLite), so a revoked session or disabled identity is refused on the very
 * next call. With `tokenize_as` the session is also turned into a JWT by the tokenizer. `tessera serve` answers
 * the plain GETs of these routes before Hono sees them (whoami-fast-path.ts), with the same answerer; this route
 * serves everything else (other methods, unusual queries, every failure) and `app.request()`.
 */
export function whoamiRoutes(deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const answerer = whoamiAnswererFor(deps);
  const handler = async (c: Context<AppEnv>): Promise<Response> => {
    const answer = await answerer.answer(extractSessionToken(c.req.raw.headers, deps.config.session.cookie.name), c.req.query('tokenize_as'));
    if (!answer) throw noActiveSession();
    c.header('X-Kratos-Authenticated-Identity-Id', answer.identityId);
    c.header('Cache-Control', NO_CACHE);
    c.header('Content-Type', 'application/json');
    return c.body(answer.body);
  };
  for (const path of WHOAMI_PATHS) {
    app.on(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'], path, handler);
  }
  return app;
}

export const WHOAMI_PATHS = ['/sessions/whoami', '/session/whoami'] as const;
