import type { Deps } from '../deps.js';
import { saveFlow } from '../selfservice/flow-lifecycle.js';
import { issueSession } from '../session/issue-session.js';
import type { Flow, Identity } from '../store/types.js';
import type { CallbackOutcome } from './outcomes.js';
import type { RequestContext } from '../selfservice/request-context.js';
import { finishTokenExchange, hasTokenExchange } from './token-exchange.js';

/** The two ways a callback ends once its flow is known, shared by the login, registration and linking paths. */

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
 * with the session, in one transaction.
 */
export async function endSignedIn(deps: Deps, flow: Flow, identity: Identity, methods: AuthMethodRef[], request: RequestContext, options: { identityIsNew: boolean; withSession: boolean }): Promise<CallbackOutcome> {
  const now = deps.now();
  const markDone = (): void => {
    flow.state = 'passed_challenge';
    flow.active = 'oidc';
  };
  if (flow.type === 'api') {
    if (options.identityIsNew) await deps.store.createIdentity(identity);
    markDone();
    const returnToCode = options.withSession ? await finishTokenExchange(deps, flow, { signedIn: { identityId: identity.id, methods } }) : null;
    await saveFlow(deps, flow);
    return { kind: 'completed', flow, sessionToken: null, returnToCode };
  }
  const [first, ...more] = methods;
  const issued = options.withSession ? issueSession(identity.id, first ?? { method: 'oidc' }, request, now, deps.config.session.lifespan) : null;
  if (issued) for (const method of more) issued.session.authenticationMethods.push({ ...method, aal: 'aal1', completed_at: now.toISOString() });
  if (options.identityIsNew) await deps.store.createIdentity(identity, issued ? { session: issued.session } : {});
  else if (issued) await deps.store.createSession(issued.session, { countsAsLogin: true });
  markDone();
  await saveFlow(deps, flow);
  return { kind: 'completed', flow, sessionToken: issued?.token ?? null, returnToCode: null };
}
