import type { Deps } from '../deps.js';
import { saveFlow } from '../selfservice/flow-lifecycle.js';
import { issueSession } from '../session/issue-session.js';
import type { Flow, Identity } from '../store/types.js';
import type { CallbackOutcome } from './outcomes.js';
import type { PendingLink } from './pending-link.js';
import type { RequestContext } from '../selfservice/request-context.js';
import { finishTokenExchange, hasTokenExchange } from './token-exchange.js';
import type { UpstreamRegistration } from './upstream-identity.js';

/** The ways a callback ends once its flow is known, shared by the login, registration and linking paths. */

export type AuthMethodRef = { method: string; provider?: string };

/** The flow (already carrying its messages or new UI) is saved and the browser, or the app, is sent to it. */
export async function endOnForm(deps: Deps, flow: Flow, accountLinking = false): Promise<CallbackOutcome> {
  // The exchange record may live on this very flow, so it is written before the flow is saved.
  const returnToCode = flow.type === 'api' && hasTokenExchange(flow) ? await finishTokenExchange(deps, flow, { formFlowId: flow.id }) : null;
  await saveFlow(deps, flow);
  return { kind: 'form', flow, returnToCode, accountLinking };
}

/**
 * `identity` signed in on `flow`. Browser flows get their session now; native apps get a return_to code and
 * their session when they redeem it (token-exchange.ts). `identityIsNew` identities are created here together
 * with the session, in one transaction. `pendingLink` (API flows only) is the account link this sign-in
 * confirmed: it is committed at the redemption, never by the callback (pending-link.ts).
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
    markDone(flow);
    const signedIn = { identityId: identity.id, methods, flowId: flow.id, ...(options.pendingLink ? { link: options.pendingLink } : {}) };
    const returnToCode = options.withSession ? await finishTokenExchange(deps, flow, { signedIn }) : null;
    await saveFlow(deps, flow);
    return { kind: 'completed', flow, sessionToken: null, returnToCode };
  }
  const [first, ...more] = methods;
  const issued = options.withSession ? issueSession(identity.id, first ?? { method: 'oidc' }, request, now, deps.config.session.lifespan) : null;
  if (issued) for (const method of more) issued.session.authenticationMethods.push({ ...method, aal: 'aal1', completed_at: now.toISOString() });
  if (options.identityIsNew) await deps.store.createIdentity(identity, issued ? { session: issued.session } : {});
  else if (issued) await deps.store.createSession(issued.session, { countsAsLogin: true });
  markDone(flow);
  await saveFlow(deps, flow);
  return { kind: 'completed', flow, sessionToken: issued?.token ?? null, returnToCode: null };
}

/**
 * An API flow's registration that must wait for the app (upstream-registration.ts): recorded in the token
 * exchange, the identity (and its session, with the `session` hook) created when the app redeems both codes.
 * The app always gets a return_to code here, even without the hook, or the identity could never be created.
 */
export async function endWithDeferredRegistration(deps: Deps, flow: Flow, registration: UpstreamRegistration, methods: AuthMethodRef[], withSession: boolean): Promise<CallbackOutcome> {
  markDone(flow);
  const returnToCode = await finishTokenExchange(deps, flow, { registration: { registration, methods, withSession, flowId: flow.id } });
  await saveFlow(deps, flow);
  return { kind: 'completed', flow, sessionToken: null, returnToCode };
}

function markDone(flow: Flow): void {
  flow.state = 'passed_challenge';
  flow.active = 'oidc';
}
