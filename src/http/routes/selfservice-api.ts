import { Hono, type Context } from 'hono';
import type { Deps } from '../../deps.js';
import { forbidden, KratosError } from '../../errors/kratos-error.js';
import { isObject } from '../../json/is-object.js';
import { submitUpstreamSignIn, selectsUpstreamProvider } from '../../oidc/submit.js';
import { startTokenExchange } from '../../oidc/token-exchange.js';
import { flowToJson, type FlowJsonExtras } from '../../selfservice/flow-json.js';
import { browserFlowInitUrl } from '../../selfservice/browser-urls.js';
import { csrfCookieToken, ensureFlowBelongsToBrowser } from '../../selfservice/csrf-guard.js';
import { csrfTokenOf, expiredBrowserFlowFetchError, expiredFlowFetchError, isExpired, loadFlow, saveFlow } from '../../selfservice/flow-lifecycle.js';
import { createLoginFlow, submitLogin } from '../../selfservice/login.js';
import { presentFlow } from '../../selfservice/present-flow.js';
import { createRegistrationFlow, submitRegistration } from '../../selfservice/registration.js';
import { findSessionByToken } from '../../session/session-credentials.js';
import type { Flow, FlowKind } from '../../store/types.js';
import type { AppEnv } from '../app-env.js';
import { respondToSubmit } from '../flow-responder.js';
import { readBody } from '../read-body.js';
import { requireFlowId } from '../request/flow-id.js';
import { requestContextOf } from '../request/flow-request-context.js';
import { requestUrl } from '../request/public-request-url.js';
import { validatedReturnTo } from '../request/return-to-query.js';
import { submitBody } from '../request/submit-body.js';

/**
 * Native (API) flow init and logout, plus what API and browser flows share: fetching a flow and submitting it, as
 * in https://github.com/ory/kratos/blob/master/selfservice/flow/login/handler.go, .../registration/handler.go and
 * .../logout/handler.go. Browser-only routes are in selfservice-browser.ts.
 */
export function selfServiceApiRoutes(deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get('/self-service/login/api', async (c) => {
    const flow = await createLoginFlow(deps, {
      type: 'api',
      requestUrl: requestUrl(deps, c),
      refresh: c.req.query('refresh') === 'true',
      aal: c.req.query('aal'),
      returnTo: validatedReturnTo(deps, c, 'login'),
      session: await c.var.session.activeFromSessionTokenHeader(),
      clientIp: c.get('client').ip,
    });
    return c.json(flowToJson(flow, await maybeStartTokenExchange(deps, c, flow)));
  });

  app.get('/self-service/registration/api', async (c) => {
    const flow = await createRegistrationFlow(deps, {
      type: 'api',
      requestUrl: requestUrl(deps, c),
      returnTo: validatedReturnTo(deps, c, 'registration'),
      session: await c.var.session.activeFromSessionTokenHeader(),
      clientIp: c.get('client').ip,
    });
    return c.json(flowToJson(flow, await maybeStartTokenExchange(deps, c, flow)));
  });

  for (const kind of ['login', 'registration'] as const) {
    app.get(`/self-service/${kind}/flows`, (c) => getFlow(deps, c, kind));
  }

  // Submits are shared by API and browser flows: the flow logic decides, respondToSubmit picks the transport.
  app.post('/self-service/login', async (c) => {
    const flowId = requireFlowId(c.req.query('flow'));
    const body = await submitBody(deps, c);
    const session = await c.var.session.active();
    return respondToSubmit(deps, c, () =>
      deps.oidc && body.ok && selectsUpstreamProvider(body.value)
        ? submitUpstreamSignIn(deps, deps.oidc, 'login', flowId, body.value, requestContextOf(c), session)
        : submitLogin(deps, flowId, body, requestContextOf(c), session),
    );
  });

  app.post('/self-service/registration', async (c) => {
    const flowId = requireFlowId(c.req.query('flow'));
    const body = await submitBody(deps, c);
    const session = await c.var.session.active();
    return respondToSubmit(deps, c, () =>
      deps.oidc && body.ok && selectsUpstreamProvider(body.value)
        ? submitUpstreamSignIn(deps, deps.oidc, 'registration', flowId, body.value, requestContextOf(c), session)
        : submitRegistration(deps, flowId, body, requestContextOf(c), session),
    );
  });

  app.delete('/self-service/logout/api', async (c) => {
    const { value } = await readBody(c, deps.config.tessera.limits.max_body_size, ['json']);
    const token = isObject(value) ? value.session_token : undefined;
    if (typeof token !== 'string' || token === '') {
      throw new KratosError(400, { reason: 'The request body must contain a "session_token" string.' });
    }
    const session = await findSessionByToken(deps.store, token);
    if (!session) throw forbidden('The provided Ory Session Token could not be found, is invalid, or otherwise malformed.');
    await deps.store.revokeSession(session.id);
    return c.body(null, 204);
  });

  return app;
}

async function getFlow(deps: Deps, c: Context<AppEnv>, kind: FlowKind): Promise<Response> {
  const flow = await loadFlow(deps, kind, c.req.query('id'));
  const headers = c.req.raw.headers;
  const baseUrl = deps.config.serve.public.base_url;
  if (flow.type === 'browser') {
    // Only the browser the flow was made for may read it (and with it, a usable CSRF token).
    ensureFlowBelongsToBrowser(headers, baseUrl, csrfTokenOf(flow), browserFlowInitUrl(deps.config, kind, flow.returnTo));
    if (isExpired(flow, deps.now())) throw expiredBrowserFlowFetchError(deps, flow);
    return c.json(presentFlow(flow, csrfCookieToken(headers, baseUrl)));
  }
  if (isExpired(flow, deps.now())) throw expiredFlowFetchError(deps, kind);
  return c.json(flowToJson(flow));
}

/**
 * `return_session_token_exchange_code=true` on an API flow init (native apps signing in upstream): the flow gets
 * an exchange, and its init code is shown in this response only.
 */
async function maybeStartTokenExchange(deps: Deps, c: Context<AppEnv>, flow: Flow): Promise<FlowJsonExtras> {
  if (c.req.query('return_session_token_exchange_code') !== 'true') return {};
  const code = startTokenExchange(flow);
  await saveFlow(deps, flow);
  return { sessionTokenExchangeCode: code };
}
