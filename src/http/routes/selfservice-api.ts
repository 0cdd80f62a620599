import { Hono, type Context } from 'hono';
import { joinUrl } from '../../config/join-url.js';
import type { Deps } from '../../deps.js';
import { forbidden, KratosError } from '../../errors/kratos-error.js';
import { flowToJson } from '../../selfservice/flow-json.js';
import { expiredFlowFetchError, isExpired, loadFlow, requireFlowId } from '../../selfservice/flow-lifecycle.js';
import { createLoginFlow, submitLogin, type SubmitBody } from '../../selfservice/login.js';
import { createRegistrationFlow, submitRegistration } from '../../selfservice/registration.js';
import type { RequestContext } from '../../selfservice/request-context.js';
import { extractSessionToken, findActiveSession } from '../../session/session-credentials.js';
import { hashToken } from '../../session/session-token.js';
import { publicIdentityJson, publicSessionJson } from '../../session/session-view.js';
import type { FlowKind, SessionWithIdentity } from '../../store/types.js';
import type { AppEnv } from '../app-env.js';
import { readBody } from '../read-body.js';

/** Native (API) login, registration and logout flows, as in kratos.md §3. */
export function selfServiceApiRoutes(deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get('/self-service/login/api', async (c) => {
    const flow = await createLoginFlow(deps, {
      type: 'api',
      requestUrl: requestUrl(deps, c),
      refresh: c.req.query('refresh') === 'true',
      aal: c.req.query('aal'),
      returnTo: c.req.query('return_to') ?? null,
      session: await sessionFromToken(deps, c.req.header('x-session-token')),
    });
    return c.json(flowToJson(flow));
  });

  app.get('/self-service/registration/api', async (c) => {
    const flow = await createRegistrationFlow(deps, {
      type: 'api',
      requestUrl: requestUrl(deps, c),
      returnTo: c.req.query('return_to') ?? null,
      session: await sessionFromToken(deps, c.req.header('x-session-token')),
    });
    return c.json(flowToJson(flow));
  });

  for (const kind of ['login', 'registration'] as const) {
    app.get(`/self-service/${kind}/flows`, (c) => getFlow(deps, c, kind));
  }

  app.post('/self-service/login', async (c) => {
    const flowId = requireFlowId(c.req.query('flow'));
    const request = requestContextOf(c);
    const outcome = await submitLogin(deps, flowId, await submitBody(deps, c), request, await sessionOfRequest(deps, c));
    if (outcome.kind === 'form') return c.json(flowToJson(outcome.flow), 400);
    return c.json({ session_token: outcome.token, session: publicSessionJson(deps, outcome.session, deps.now()), continue_with: null });
  });

  app.post('/self-service/registration', async (c) => {
    const flowId = requireFlowId(c.req.query('flow'));
    const request = requestContextOf(c);
    const outcome = await submitRegistration(deps, flowId, await submitBody(deps, c), request, await sessionOfRequest(deps, c));
    if (outcome.kind === 'form') return c.json(flowToJson(outcome.flow), 400);
    const identity = publicIdentityJson(deps, outcome.identity);
    if (!outcome.session || !outcome.token) return c.json({ identity, continue_with: null });
    return c.json({
      session_token: outcome.token,
      session: publicSessionJson(deps, outcome.session, deps.now()),
      identity,
      continue_with: [{ action: 'set_ory_session_token', ory_session_token: outcome.token }],
    });
  });

  app.delete('/self-service/logout/api', async (c) => {
    const { value } = await readBody(c, deps.config.tessera.maxBodyBytes, ['json']);
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
  if (isExpired(flow, deps.now())) throw expiredFlowFetchError(deps, kind);
  return c.json(flowToJson(flow));
}

/** The body of a submit. Decoding failures become a message on the flow (Kratos shows them as 4000001). */
async function submitBody(deps: Deps, c: Context<AppEnv>): Promise<SubmitBody> {
  try {
    return { ok: true, value: (await readBody(c, deps.config.tessera.maxBodyBytes, ['json', 'form'])).value };
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
  return joinUrl(deps.config.serve.public.baseUrl, `${url.pathname}${url.search}`);
}

async function sessionFromToken(deps: Deps, token: string | undefined): Promise<SessionWithIdentity | null> {
  return token ? findActiveSession(deps.store, token, deps.now()) : null;
}

export async function sessionOfRequest(deps: Deps, c: Context<AppEnv>): Promise<SessionWithIdentity | null> {
  const token = extractSessionToken(c.req.raw.headers, deps.config.session.cookie.name);
  return token ? findActiveSession(deps.store, token, deps.now()) : null;
}
