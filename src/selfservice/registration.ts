import type { Deps } from '../deps.js';
import type { SessionWithIdentity } from '../session/session.js';
import { text } from '../text/messages.js';
import type { Flow, FlowType } from './flow.js';
import { registrationDisabled, sessionAlreadyAvailable } from './flow-errors.js';
import { csrfTokenOf, newFlow } from './flow-lifecycle.js';
import { enforceFlowCreationLimit } from './rate-limits.js';
import type { RequestContext } from './request-context.js';
import { submitToStrategy } from './strategy/submit-to-strategy.js';
import type { SubmissionRules, SubmitBody } from './submission.js';
import type { RegistrationOutcome, UpstreamRedirectOutcome } from './submit-outcomes.js';
import { csrfNode, traitNodes } from './ui-nodes.js';

export interface RegistrationFlowParams {
  type: FlowType;
  requestUrl: string;
  returnTo: string | null;
  csrfToken?: string;
}

/** A registration flow: the traits of the default schema, then the fields of every enabled method (src/selfservice/strategy/). */
export function buildRegistrationFlow(deps: Deps, params: RegistrationFlowParams): Flow {
  const nodes = [csrfNode(''), ...traitNodes(deps.schemas.getDefault().fields)];
  for (const strategy of deps.strategies) strategy.addNodes(deps, 'registration', nodes);
  return newFlow(deps, { kind: 'registration', type: params.type, requestUrl: params.requestUrl, nodes, returnTo: params.returnTo, csrfToken: params.csrfToken });
}

export async function createRegistrationFlow(deps: Deps, params: RegistrationFlowParams & { session: SessionWithIdentity | null; clientIp: string | null }): Promise<Flow> {
  if (!deps.config.selfservice.flows.registration.enabled) throw registrationDisabled();
  if (params.session) throw sessionAlreadyAvailable();
  // Counted before the flow is even built: a flood over the limit costs no more than the answer.
  await enforceFlowCreationLimit(deps, params.clientIp);
  const flow = buildRegistrationFlow(deps, params);
  await deps.store.createFlow(flow);
  return flow;
}

/**
 * `POST /self-service/registration?flow=`: handed to the first enabled method responsible for the body. When none
 * is, the flow's own checks run and the form says no registration method was found (Kratos's 4010003).
 */
export async function submitRegistration(deps: Deps, flowId: string, body: SubmitBody, request: RequestContext, session: SessionWithIdentity | null): Promise<RegistrationOutcome | UpstreamRedirectOutcome> {
  if (!deps.config.selfservice.flows.registration.enabled) throw registrationDisabled();
  return submitToStrategy(deps, 'registration', { flowId, body, request, session, rules: registrationSubmissionRules(deps) }, text.noRegistrationStrategy());
}

function registrationSubmissionRules(deps: Deps): SubmissionRules {
  return {
    replacement: (expired) => buildRegistrationFlow(deps, { type: expired.type, requestUrl: expired.requestUrl, returnTo: expired.returnTo, csrfToken: csrfTokenOf(expired) }),
    expiredMessage: (expired, now) => text.registrationFlowExpired(expired.expiresAt, now),
    alreadyCompletedMessage: text.registrationAlreadyCompleted(),
  };
}
