import type { Deps } from '../../../deps.js';
import { alreadyCompleted, saveFlow } from '../../flow-lifecycle.js';
import { completeFlow } from '../../flow-completion.js';
import { issueSession } from '../../../session/issue-session.js';
import type { Flow, FlowCompletion } from '../../flow.js';
import { text } from '../../../text/messages.js';
import type { Identity } from '../../../identity/identity.js';
import type { AuthMethodRef } from './flow-context.js';
import type { CallbackOutcome } from './outcomes.js';
import type { PendingLink } from './flow-context.js';
import type { RequestContext } from '../../request-context.js';
import { finishTokenExchange, hasTokenExchange } from './token-exchange.js';
import type { UpstreamRegistration } from '../../../oidc/upstream-identity.js';

/** The ways a callback ends once its flow is known, shared by the login, registration and linking paths. */

/** The flow (already carrying its messages or new UI) is saved and the browser, or the app, is sent to it. */
export async function endOnForm(deps: Deps, flow: Flow, accountLinking = false): Promise<CallbackOutcome> {
  // The exchange record may live on this very flow, so it is written before the flow is saved.
  const returnToCode = flow.type === 'api' && hasTokenExchange(flow) ? await finishTokenExchange(deps, flow, { formFlowId: flow.id }) : null;
  await saveFlow(deps, flow);
  return { kind: 'form', flow, returnToCode, accountLinking };
}

/**
 * `identity` signed in on `flow`. Browser flows get their session now; native apps get a return_to code and
 * their session when they redeem it (token-exchange.ts). `identityIsNew` identities are created here; in browser
 * flows together with the session and the flow's completion, in one transaction. `pendingLink` (API flows only) is
 * the account link this sign-in confirmed: it is committed at the redemption, never by the callback
 * (pending-link.ts). Every completion is the compare-and-set of src/selfservice/flow-completion.ts: a flow another
 * request completed meanwhile ends on the form with "already completed", nothing written.
 */
export async function endSignedIn(
  deps: Deps,
  flow: Flow,
  identity: Identity,
  methods: AuthMethodRef[],
  request: RequestContext,
  options: { identityIsNew: boolean; withSession: boolean; pendingLink?: PendingLink },
): Promise<CallbackOutcome> {
  const now = deps.now();
  if (flow.type === 'api') {
    if (options.identityIsNew) await deps.store.createIdentity(identity);
    const signedIn = { identityId: identity.id, methods, flowId: flow.id, ...(options.pendingLink ? { link: options.pendingLink } : {}) };
    const returnToCode = options.withSession ? await finishTokenExchange(deps, flow, { signedIn }) : null;
    if (!(await completeFlow(deps, flow, 'oidc', now))) return endAlreadyCompleted(flow);
    return { kind: 'completed', flow, sessionToken: null, returnToCode };
  }
  const [first, ...more] = methods;
  const issued = options.withSession ? issueSession(identity.id, first ?? { method: 'oidc' }, request, now, deps.config.session.lifespan) : null;
  if (issued) for (const method of more) issued.session.authenticationMethods.push({ ...method, aal: 'aal1', completed_at: now.toISOString() });
  const write = options.identityIsNew
    ? (completion: FlowCompletion) => deps.store.createIdentity(identity, { ...(issued ? { session: issued.session } : {}), completeFlow: completion })
    : issued
      ? (completion: FlowCompletion) => deps.store.createSession(issued.session, { countsAsLogin: true, completeFlow: completion })
      : undefined;
  if (!(await completeFlow(deps, flow, 'oidc', now, write))) return endAlreadyCompleted(flow);
  return { kind: 'completed', flow, sessionToken: issued?.token ?? null, returnToCode: null };
}

/**
 * An API flow's registration that must wait for the app (upstream-registration.ts): recorded in the token
 * exchange, the identity (and its session, with the `session` hook) created when the app redeems both codes.
 * The app always gets a return_to code here, even without the hook, or the identity could never be created.
 */
export async function endWithDeferredRegistration(deps: Deps, flow: Flow, registration: UpstreamRegistration, methods: AuthMethodRef[], withSession: boolean): Promise<CallbackOutcome> {
  const returnToCode = await finishTokenExchange(deps, flow, { registration: { registration, methods, withSession, flowId: flow.id } });
  if (!(await completeFlow(deps, flow, 'oidc', deps.now()))) return endAlreadyCompleted(flow);
  return { kind: 'completed', flow, sessionToken: null, returnToCode };
}

/** A flow another request completed while this callback ran: shown with the message, nothing written. */
function endAlreadyCompleted(flow: Flow): CallbackOutcome {
  const shown = alreadyCompleted(flow, flow.kind === 'login' ? text.loginAlreadyCompleted() : text.registrationAlreadyCompleted()).flow;
  return { kind: 'form', flow: shown, returnToCode: null, accountLinking: false };
}
