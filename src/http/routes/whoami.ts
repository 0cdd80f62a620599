import { Hono, type Context } from 'hono';
import type { Deps } from '../../deps.js';
import { noActiveSession } from '../../errors/kratos-error.js';
import { whoamiAnswererFor, type WhoamiDeps } from '../../session/whoami-answer.js';
import type { AppEnv } from '../app-env.js';
import { NO_CACHE } from '../middleware/no-cache.js';

/**
 * `GET /sessions/whoami` (alias `/session/whoami`): the hot path. One indexed lookup by token hash (on SQLite
 * answered from a cache that any commit invalidates, store/sqlite/session-cache.ts), so a revoked session or
 * disabled identity is refused on the very next call. With `tokenize_as` the session is also turned into a JWT by
 * the tokenizer (session/whoami-answer.ts, which holds everything but the HTTP).
 */
/** The paths whoami answers on (the fast path serves the same ones). */
export const WHOAMI_PATHS = ['/sessions/whoami', '/session/whoami'] as const;

export function whoamiRoutes(deps: WhoamiDeps & Pick<Deps, 'now'>): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const answerer = whoamiAnswererFor(deps);
  const handler = async (c: Context<AppEnv>): Promise<Response> => {
    const now = deps.now();
    const session = await c.var.session.active(now);
    if (!session) throw noActiveSession();
    const answer = await answerer.answer(session, now, c.req.query('tokenize_as'));
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
