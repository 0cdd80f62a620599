import type { Deps } from '../deps.js';
import { badRequest, KratosError } from '../errors/kratos-error.js';
import type { SessionWithIdentity } from '../session/session.js';
import { text } from '../text/messages.js';
import type { Flow, FlowType } from './flow.js';
import { sessionAlreadyAvailable } from './flow-errors.js';
import { csrfTokenOf, newFlow } from './flow-lifecycle.js';
import { enforceFlowCreationLimit } from './rate-limits.js';
import type { RequestContext } from './request-context.js';
import { submitToStrategy } from './strategy/submit-to-strategy.js';
import type { SubmissionRules, SubmitBody } from './submission.js';
import type { LoginOutcome, UpstreamRedirectOutcome } from './submit-outcomes.js';
import { csrfNode } from './ui-nodes.js';

export interface LoginFlowParams {
  type: FlowType;
  requestUrl: string;
  refresh: boolean;
  returnTo: string | null;
  csrfToken?: string;
}

/** A login flow with the fields of every enabled method (src/selfservice/strategy/). */
export function buildLoginFlow(deps: Deps, params: LoginFlowParams): Flow {
  const nodes = [csrfNode('')];
  for (const strategy of deps.strategies) strategy.addNodes(deps, 'login', nodes);
  return newFlow(deps, { kind: 'login', type: params.type, requestUrl: params.requestUrl, nodes, returnTo: params.returnTo, refresh: params.refresh, csrfToken: params.csrfToken });
}

/**
 * `GET /self-service/login/{api,browser}`: a valid session without `refresh=true` is refused like Kratos does;
 * `aal` other than aal1 cannot be satisfied because Tessera has no second factors.
 */
export async function createLoginFlow(deps: Deps, params: LoginFlowParams & { aal: string | undefined; session: SessionWithIdentity | null; clientIp: string | null }): Promise<Flow> {
  if (params.aal !== undefined && params.aal !== '' && params.aal !== 'aal1') {
    if (params.aal !== 'aal2') throw badRequest(`Unable to parse AuthenticationMethod Assurance Level (AAL): ${JSON.stringify(params.aal)}`);
    if (!params.session) {
      throw new KratosError(400, { id: 'session_aal1_required', reason: 'You have to be authenticated to request a higher authenticator assurance level.', message: 'aal2 and above requires a valid ory session' });
    }
    throw badRequest('No second factor is configured, so the authenticator assurance level aal2 cannot be reached.');
  }
  if (params.session && !params.refresh) throw sessionAlreadyAvailable();
  // Counted before the flow is even built: a flood over the limit costs no more than the answer.
  await enforceFlowCreationLimit(deps, params.clientIp);
  const flow = buildLoginFlow(deps, params);
  await deps.store.createFlow(flow);
  return flow;
}

/**
 * `POST /self-service/login?flow=`: handed to the first enabled method responsible for the body. When none is,
 * the flow's own checks run and the form says no login method was found (Kratos's 4010002).
 */
export async function submitLogin(deps: Deps, flowId: string, body: SubmitBody, request: RequestContext, session: SessionWithIdentity | null): Promise<LoginOutcome | UpstreamRedirectOutcome> {
  return submitToStrategy(deps, 'login', { flowId, body, request, session, rules: loginSubmissionRules(deps) }, text.noLoginStrategy());
}

function loginSubmissionRules(deps: Deps): SubmissionRules {
  return {
    replacement: (expired) => buildLoginFlow(deps, { type: expired.type, requestUrl: expired.requestUrl, refresh: expired.refresh, returnTo: expired.returnTo, csrfToken: csrfTokenOf(expired) }),
    expiredMessage: (expired, now) => text.loginFlowExpired(expired.expiresAt, now),
    alreadyCompletedMessage: text.loginAlreadyCompleted(),
  };
}
