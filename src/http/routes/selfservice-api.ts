import { Hono, type Context } from 'hono';
import { joinUrl } from '../../config/join-url.js';
import type { Deps } from '../../deps.js';
import { forbidden, KratosError } from '../../errors/kratos-error.js';
import { submitUpstreamSignIn, selectsUpstreamProvider } from '../../oidc/submit.js';
import { startTokenExchange } from '../../oidc/token-exchange.js';
import { flowToJson, type FlowJsonExtras } from '../../selfservice/flow-json.js';
import { browserFlowInitUrl, defaultReturnUrl } from '../../selfservice/browser-urls.js';
import { csrfCookieToken, ensureFlowBelongsToBrowser } from '../../selfservice/csrf-guard.js';
import { csrfTokenOf, expiredBrowserFlowFetchError, expiredFlowFetchError, isExpired, loadFlow, requireFlowId, saveFlow } from '../../selfservice/flow-lifecycle.js';
import { nestFormFields } from '../../selfservice/form-fields.js';
import { createLoginFlow, submitLogin } from '../../selfservice/login.js';
import type { SubmitBody } from '../../selfservice/submission.js';
import { presentFlow } from '../../selfservice/present-flow.js';
import { createRegistrationFlow, submitRegistration } from '../../selfservice/registration.js';
import type { RequestContext } from '../../selfservice/request-context.js';
import { allowedReturnTo } from '../../selfservice/return-to.js';
import { extractSessionToken, findActiveSession } from '../../session/session-credentials.js';
import { hashToken } from '../../session/session-token.js';
import type { Flow, FlowKind, SessionWithIdentity } from '../../store/types.js';
import type { AppEnv } from '../app-env.js';
import { respondToSubmit } from '../flow-responder.js';
import { readBody } from '../read-body.js';

/**
 * Native (API) flow init and logout, as in kratos.md §3, plus what API and browser flows share: fetching a flow
 * and submitting it. Browser-only routes are in selfservice-browser.ts.
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
      session: await sessionFromToken(deps, c.req.header('x-session-token')),
      clientIp: c.get('client').ip,
    });
    return c.json(flowToJson(flow, await maybeStartTokenExchange(deps, c, flow)));
  });

  app.get('/self-service/registration/api', async (c) => {
    const flow = await createRegistrationFlow(deps, {
      type: 'api',
      requestUrl: requestUrl(deps, c),
      returnTo: validatedReturnTo(deps, c, 'registration'),
      session: await sessionFromToken(deps, c.req.header('x-session-token')),
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
    const session = await sessionOfRequest(deps, c);
    return respondToSubmit(deps, c, () =>
      deps.oidc && body.ok && selectsUpstreamProvider(body.value)
        ? submitUpstreamSignIn(deps, deps.oidc, 'login', flowId, body.value, requestContextOf(c), session)
        : submitLogin(deps, flowId, body, requestContextOf(c), session),
    );
  });

  app.post('/self-service/registration', async (c) => {
    const flowId = requireFlowId(c.req.query('flow'));
    const body = await submitBody(deps, c);
    const session = await sessionOfRequest(deps, c);
    return respondToSubmit(deps, c, () =>
      deps.oidc && body.ok && selectsUpstreamProvider(body.value)
        ? submitUpstreamSignIn(deps, deps.oidc, 'registration', flowId, body.value, requestContextOf(c), session)
        : submitRegistration(deps, flowId, body, requestContextOf(c), session),
    );
  });

  app.delete('/self-service/logout/api', async (c) => {
    const { value } = await readBody(c, deps.config.tessera.limits.max_body_size, ['json']);
    const token = typeof value === 'object' && value !== null ? (value as Record<string, unknown>).session_token : undefined;
    if (typeof token !== 'string' || token === '') {
      throw new KratosError(400, { reason: 'The request body must contain a "session_token" string.' });
    }
    const session = token.length <= 256 ? await deps.store.findSessionByTokenHash(hashToken(token)) : null;
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

/** The body of a submit. Decoding failures become a message on the flow (Kratos shows them as 4000001). */
async function submitBody(deps: Deps, c: Context<AppEnv>): Promise<SubmitBody> {
  try {
    const { format, value } = await readBody(c, deps.config.tessera.limits.max_body_size, ['json', 'form']);
    // HTML forms post flat names (`traits.email`); the flows take the JSON shape.
    if (format === 'form') return { ok: true, value: nestFormFields(value as Record<string, string>, deps.schemas.getDefault().fields) };
    return { ok: true, value };
  } catch (error) {
    if (error instanceof KratosError && (error.code === 400 || error.code === 415)) return { ok: false, reason: error.reason ?? error.message };
    throw error;
  }
}

export function requestContextOf(c: Context<AppEnv>): RequestContext {
  const client = c.get('client');
  return { url: c.req.url, headers: c.req.raw.headers, ip: client.ip, userAgent: client.userAgent };
}

/** The URL a flow was initiated at, expressed on the public base URL (the one clients know). */
export function requestUrl(deps: Deps, c: Context<AppEnv>): string {
  const url = new URL(c.req.url);
  return joinUrl(deps.config.serve.public.base_url, `${url.pathname}${url.search}`);
}

async function sessionFromToken(deps: Deps, token: string | undefined): Promise<SessionWithIdentity | null> {
  return token ? findActiveSession(deps.store, token, deps.now()) : null;
}

export async function sessionOfRequest(deps: Deps, c: Context<AppEnv>): Promise<SessionWithIdentity | null> {
  const token = extractSessionToken(c.req.raw.headers, deps.config.session.cookie.name);
  return token ? findActiveSession(deps.store, token, deps.now()) : null;
}

/** `?return_to=` checked against the allow-list (400 `self_service_flow_return_to_forbidden`), or null when absent. */
export function validatedReturnTo(deps: Deps, c: Context<AppEnv>, after: FlowKind | 'logout'): string | null {
  const raw = c.req.query('return_to');
  return raw ? allowedReturnTo(deps.config, raw, defaultReturnUrl(deps.config, after)) : null;
}
