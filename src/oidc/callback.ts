import type { Deps } from '../deps.js';
import { badRequest, KratosError } from '../errors/kratos-error.js';
import { expiredFlowError, isExpired, saveFlowIfUnchanged, uiOf } from '../selfservice/flow-lifecycle.js';
import type { RequestContext } from '../selfservice/request-context.js';
import type { Flow } from '../store/types.js';
import { text } from '../text/messages.js';
import { endOnForm } from './callback-endings.js';
import { continuityMatches, parseState, pendingSignInOf, setPendingSignIn, stateMatches } from './continuity.js';
import type { OidcMethod } from './oidc-method.js';
import { oidcIdentifier } from './oidc-credential.js';
import type { CallbackOutcome } from './outcomes.js';
import { pendingLinkOf, setPendingLink } from './pending-link.js';
import { flowLike } from './replacement-flow.js';
import { inheritTokenExchange } from './token-exchange.js';
import { unknownProvider } from './submit.js';
import { UpstreamSignInError } from './upstream-errors.js';
import { signInUpstreamSubject } from './upstream-login.js';
import type { UpstreamCallbackContext } from './callback-context.js';
import { registerUpstreamSubject } from './upstream-registration.js';

const UNABLE = 'Unable to complete OpenID Connect flow because';

/**
 * `GET /self-service/methods/oidc/callback/<provider>` (Kratos's HandleCallback). In this order:
 * 1. The state must name a flow whose pending sign-in it matches, for this provider, unexpired, and (browser
 *    flows) started by this browser: otherwise a 400 error page, because there is no flow to show it on.
 * 2. The pending sign-in is consumed before anything else happens, atomically: the callback URL works once.
 * 3. A provider error, a missing code, a failed code exchange or ID token check: message 4000001 on the flow.
 * 4. The subject decides: known → login, unknown → registration, switching the flow's kind server-side when the
 *    user started the other one (no second trip upstream).
 */
export async function handleUpstreamCallback(deps: Deps, method: OidcMethod, providerId: string, query: URLSearchParams, request: RequestContext): Promise<CallbackOutcome> {
  const provider = method.provider(providerId);
  if (!provider) throw unknownProvider(providerId);

  const state = query.get('state');
  if (!state) throw badRequest(`${UNABLE} the OpenID Provider did not return the state query parameter.`);
  const parsed = parseState(state);
  const flow = parsed ? await deps.store.getFlow(parsed.flowId) : null;
  const pending = flow ? pendingSignInOf(flow) : null;
  if (!parsed || !flow || !pending || !stateMatches(pending, parsed.secret)) throw badRequest(`${UNABLE} the state parameter is invalid.`);
  if (pending.provider !== providerId) throw badRequest('Unable to complete OpenID Connect flow: provider mismatch between internal state and URL.');
  const now = deps.now();
  const resumable = Date.parse(pending.expires_at) > now.getTime() && (flow.type === 'api' || continuityMatches(pending, request.headers));
  if (!resumable) throw notResumable();

  // Consumed with a compare-and-set: of concurrent callbacks with this state (a replay racing the original),
  // exactly one gets past here; the others find it gone, as a later replay would.
  setPendingSignIn(flow, null);
  if (!(await saveFlowIfUnchanged(deps, flow, flow.updatedAt))) throw badRequest(`${UNABLE} the state parameter is invalid.`);
  if (isExpired(flow, now)) {
    throw await expiredFlowError(deps, flow, flowLike(deps, flow), flow.kind === 'login' ? text.loginFlowExpired(flow.expiresAt, now) : text.registrationFlowExpired(flow.expiresAt, now));
  }

  const ui = uiOf(flow);
  delete ui.messages;
  const upstreamError = query.get('error');
  if (upstreamError) {
    const description = query.get('error_description');
    ui.messages = [text.generic(`${UNABLE} the OpenID Provider returned error "${upstreamError}"${description ? `: ${description}` : ''}`)];
    return endOnForm(deps, flow);
  }
  if (!query.get('code')) {
    ui.messages = [text.generic(`${UNABLE} the OpenID Provider did not return the code query parameter.`)];
    return endOnForm(deps, flow);
  }

  let ctx: UpstreamCallbackContext;
  try {
    const signIn = await provider.client.completeSignIn(query, { state, pkceVerifier: pending.pkce_verifier, nonce: pending.nonce });
    ctx = { deps, method, provider, request, pending, signIn };
  } catch (error) {
    if (!(error instanceof UpstreamSignInError)) throw error;
    deps.logger.warn({ provider: providerId, status: error.status, error: error.message }, 'OIDC sign-in failed upstream');
    ui.messages = [text.generic(error.message)];
    return endOnForm(deps, flow);
  }

  const identity = await deps.store.findIdentityByCredentialIdentifier('oidc', oidcIdentifier(providerId, ctx.signIn.subject));
  if (identity) return signInUpstreamSubject(ctx, flow.kind === 'login' ? flow : await switchedFlow(deps, flow, 'login'), identity);
  if (flow.kind === 'registration') return registerUpstreamSubject(ctx, flow);
  if (!deps.config.selfservice.flows.registration.enabled) {
    ui.messages = [text.generic('Registration is not allowed because it was disabled.')];
    return endOnForm(deps, flow);
  }
  return registerUpstreamSubject(ctx, await switchedFlow(deps, flow, 'registration'));
}

/**
 * Kratos's login↔registration switch: a flow of the other kind, created here with the same type, return_to,
 * CSRF binding, token exchange and pending link, so the sign-in completes without a second trip upstream.
 */
async function switchedFlow(deps: Deps, from: Flow, kind: 'login' | 'registration'): Promise<Flow> {
  const flow = flowLike(deps, from, kind);
  inheritTokenExchange(from, flow);
  const link = pendingLinkOf(from);
  if (link) setPendingLink(flow, link);
  flow.active = 'oidc';
  await deps.store.createFlow(flow);
  return flow;
}

/** Kratos's continuity.ErrNotResumable: the callback came to a browser (or at a time) that did not start it. */
function notResumable(): KratosError {
  return new KratosError(400, {
    reason: "The browser does not contain the necessary cookie to resume the session. This is a security violation and was blocked. Please clear your browser's cookies and cache and try again!",
    message: 'no resumable session found',
  });
}
