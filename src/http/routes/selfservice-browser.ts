import { Hono, type Context } from 'hono';
import type { Deps } from '../../deps.js';
import { badRequest, forbidden, noActiveSession } from '../../errors/kratos-error.js';
import { defaultReturnUrl, flowUiUrl, logoutUrl } from '../../selfservice/browser-urls.js';
import { maskCsrfToken } from '../../selfservice/csrf-token.js';
import { createLoginFlow, sessionAlreadyAvailable } from '../../selfservice/login.js';
import { presentFlow } from '../../selfservice/present-flow.js';
import { createRegistrationFlow } from '../../selfservice/registration.js';
import { allowedReturnTo } from '../../selfservice/return-to.js';
import { logoutTokenMatches } from '../../session/logout-token.js';
import { hashToken } from '../../session/session-token.js';
import type { Flow, FlowKind, SessionWithIdentity } from '../../store/types.js';
import type { AppEnv } from '../app-env.js';
import { ensureCsrfCookie } from '../browser-csrf.js';
import { isJsonRequest } from '../content-negotiation.js';
import { clearedSessionCookie } from '../cookies.js';
import { requestUrl } from '../request/public-request-url.js';
import { validatedReturnTo } from '../request/return-to-query.js';

/**
 * Browser flows: flow init with the anti-CSRF cookie, and browser logout (createBrowserLoginFlow and its kin in
 * https://github.com/ory/kratos/blob/master/selfservice/flow/login/handler.go). Submits and flow
 * fetches are shared with API flows (selfservice-api.ts).
 */
export function selfServiceBrowserRoutes(deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { config } = deps;

  app.get('/self-service/login/browser', async (c) => {
    const refresh = c.req.query('refresh') === 'true';
    const aal = c.req.query('aal');
    return initBrowserFlow(deps, c, 'login', refresh || (aal !== undefined && aal !== '' && aal !== 'aal1'), (session, returnTo, csrfToken) =>
      createLoginFlow(deps, { type: 'browser', requestUrl: requestUrl(deps, c), refresh, aal, returnTo, csrfToken, session, clientIp: c.get('client').ip }),
    );
  });

  app.get('/self-service/registration/browser', (c) =>
    initBrowserFlow(deps, c, 'registration', false, (session, returnTo, csrfToken) =>
      createRegistrationFlow(deps, { type: 'browser', requestUrl: requestUrl(deps, c), returnTo, csrfToken, session, clientIp: c.get('client').ip }),
    ),
  );

  // The logout URL for the session in the cookie. Kratos answers 401 without a session.
  app.get('/self-service/logout/browser', async (c) => {
    const { token } = c.var.session;
    const session = await c.var.session.active();
    if (!token || !session) throw noActiveSession();
    const returnTo = validatedReturnTo(deps, c, 'logout');
    const logout = logoutUrl(config, token, returnTo);
    return c.json({ logout_url: logout.url, logout_token: logout.token });
  });

  app.get('/self-service/logout', async (c) => {
    const presented = c.req.query('token');
    if (!presented) throw badRequest('Please include a token in the URL query.');
    // Validated before anything changes: a refused redirect must not leave the user half logged out.
    const returnTo = allowedReturnTo(config, c.req.query('return_to'), defaultReturnUrl(config, 'logout'));
    const { token } = c.var.session;
    const session = await c.var.session.active();
    if (token && session) {
      if (!logoutTokenMatches(token, presented)) {
        throw forbidden('Unable to log out because the logout token in the URL query does not match the session cookie.');
      }
      await deps.store.revokeSession(session.id);
    } else {
      // No live session in the cookie: the link was opened in another browser, a private window, or after the
      // cookie was lost. Kratos then answers that there is no session and the session lives on (updateLogoutFlow in
      // https://github.com/ory/kratos/blob/master/selfservice/flow/logout/handler.go); here the token itself names the
      // session it ends (only its SHA-256 is stored, and it is unguessable, like the session token).
      const named = await deps.store.findSessionByLogoutTokenHash(hashToken(presented));
      if (named?.active) await deps.store.revokeSession(named.id);
    }
    // The browser leaves with its cookie cleared, whether or not there was a session to end.
    c.header('Set-Cookie', clearedSessionCookie(config), { append: true });
    if (isJsonRequest(c.req.raw.headers)) return c.body(null, 204);
    return c.redirect(returnTo, 303);
  });

  return app;
}

type CreateFlow = (session: SessionWithIdentity | null, returnTo: string | null, csrfToken: string) => Promise<Flow>;

/**
 * Both inits: a browser that is already signed in is sent on (or, asking for JSON, told so with
 * `session_already_available`) unless it asked to re-authenticate; otherwise a flow bound to its anti-CSRF
 * cookie is created and shown at the UI URL, or returned as JSON.
 */
async function initBrowserFlow(deps: Deps, c: Context<AppEnv>, kind: FlowKind, reauthenticate: boolean, create: CreateFlow): Promise<Response> {
  const json = isJsonRequest(c.req.raw.headers);
  const returnTo = validatedReturnTo(deps, c, kind);
  const session = await c.var.session.active();
  if (session && !reauthenticate) {
    if (json) throw sessionAlreadyAvailable();
    return c.redirect(returnTo ?? defaultReturnUrl(deps.config, kind), 303);
  }
  const csrfToken = ensureCsrfCookie(deps, c);
  const flow = await create(session, returnTo, maskCsrfToken(csrfToken));
  if (json) return c.json(presentFlow(flow, csrfToken));
  return c.redirect(flowUiUrl(deps.config, kind, flow.id), 303);
}
