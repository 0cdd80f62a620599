import { Hono, type Context } from 'hono';
import type { Deps } from '../../deps.js';
import { noActiveSession, unknownTemplate } from '../../errors/kratos-error.js';
import { extractSessionToken, findActiveSession } from '../../session/session-credentials.js';
import { publicSessionJson } from '../../session/session-view.js';
import type { SessionWithIdentity } from '../../session/session.js';
import type { AppEnv } from '../app-env.js';
import { NO_CACHE } from '../middleware/no-cache.js';

/**
 * `GET /sessions/whoami` (alias `/session/whoami`): the hot path. One indexed lookup by token hash (on SQLite
 * answered from a cache that any commit invalidates, store/sqlite/session-cache.ts), so a revoked session or
 * disabled identity is refused on the very next call. With `tokenize_as` the session is
 * also turned into a JWT by the tokenizer.
 */
export function whoamiRoutes(deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const serialized = new WeakMap<SessionWithIdentity, string>();
  const handler = async (c: Context<AppEnv>): Promise<Response> => {
    const token = extractSessionToken(c.req.raw.headers, deps.config.session.cookie.name);
    const now = deps.now();
    const session = token ? await findActiveSession(deps.store, token, now) : null;
    if (!session) throw noActiveSession();
    // Serialized once: the same text is the mapper's `session` and, with `tokenized` appended, the response.
    let body = serialized.get(session);
    if (body === undefined) {
      body = JSON.stringify(publicSessionJson(deps, session, now));
      // A frozen session is one the store shares between calls while the database is unchanged (SQLite's
      // session cache): its text cannot change either. `active` is part of it, and is true whenever we get here.
      if (Object.isFrozen(session)) serialized.set(session, body);
    }
    const template = c.req.query('tokenize_as');
    if (template !== undefined && template !== '') {
      if (!deps.tokenizer) throw unknownTemplate(template);
      const tokenized = await deps.tokenizer.tokenize(template, session, body);
      body = `${body.slice(0, -1)},"tokenized":${JSON.stringify(tokenized)}}`;
    }
    c.header('X-Kratos-Authenticated-Identity-Id', session.identity.id);
    c.header('Cache-Control', NO_CACHE);
    c.header('Content-Type', 'application/json');
    return c.body(body);
  };
  for (const path of ['/sessions/whoami', '/session/whoami']) {
    app.on(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'], path, handler);
  }
  return app;
}
