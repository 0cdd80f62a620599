import { Hono } from 'hono';
import type { Deps } from '../../deps.js';
import { KratosError } from '../../errors/kratos-error.js';
import { handleUpstreamCallback } from '../../oidc/callback.js';
import { callbackPath } from '../../oidc/upstream-provider.js';
import { redeemTokenExchange } from '../../oidc/token-exchange.js';
import { flowToJson } from '../../selfservice/flow-json.js';
import { publicSessionJson } from '../../session/session-view.js';
import type { AppEnv } from '../app-env.js';
import { respondToCallback } from '../flow-responder.js';
import { readLimitedText } from '../read-body.js';
import { requestContextOf } from '../request/flow-request-context.js';

/**
 * Upstream sign-in routes (Kratos's oidc strategy and session token exchange):
 * - `GET /self-service/methods/oidc/callback/<provider>`: where providers send the browser back;
 * - `POST` to the same path (providers using `response_mode=form_post`) is answered 302 to the GET with the
 *   fields in the query, as Kratos does, so that the SameSite=Lax continuity cookie comes along;
 * - `GET /sessions/token-exchange`: native apps trade their two codes for a session token.
 */
export function oidcRoutes(deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const disabled = (): KratosError =>
    new KratosError(404, { reason: 'This endpoint was disabled by system administrator. Please check your url or contact the system administrator to enable it.', message: 'The requested resource could not be found' });

  app.get(`/${callbackPath(':provider')}`, (c) => {
    const method = deps.oidc;
    if (!method) throw disabled();
    const query = new URL(c.req.url).searchParams;
    return respondToCallback(deps, c, () => handleUpstreamCallback(deps, method, c.req.param('provider') ?? '', query, requestContextOf(c)));
  });

  app.post(`/${callbackPath(':provider')}`, async (c) => {
    if (!deps.oidc) throw disabled();
    const target = new URL(c.req.url);
    const contentType = (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
    if (contentType === 'application/x-www-form-urlencoded') {
      for (const [name, value] of new URLSearchParams(await readLimitedText(c, deps.config.tessera.limits.max_body_size))) target.searchParams.append(name, value);
    }
    return c.redirect(publicUrlOf(deps, target), 302);
  });

  app.get('/sessions/token-exchange', async (c) => {
    const result = await redeemTokenExchange(deps, c.req.query('init_code'), c.req.query('return_to_code'), c.get('client'));
    if (result.kind === 'form') return c.json(flowToJson(result.flow), 422);
    return c.json({ session_token: result.token, session: publicSessionJson(deps, result.session, deps.now()) });
  });

  return app;
}

/** The GET target on the host and path prefix the provider used (the redirect URI), not the listener's. */
function publicUrlOf(deps: Deps, target: URL): string {
  const base = new URL(deps.config.selfservice.methods.oidc.config.base_redirect_uri);
  const path = target.pathname.slice(target.pathname.indexOf('/self-service/'));
  return `${base.origin}${base.pathname.replace(/\/+$/, '')}${path}${target.search}`;
}
