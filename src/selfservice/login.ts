import type { Deps } from '../deps.js';
import { badRequest, identityDisabled, KratosError } from '../errors/kratos-error.js';
import { normalizeIdentifier } from '../identity/normalize-identifier.js';
import type { VerifyResult } from '../identity/password-hasher.js';
import { providerButtons } from '../oidc/provider-buttons.js';
import { linkPendingUpstreamAccount, pendingLinkOf } from '../oidc/pending-link.js';
import { holdsTokenExchange } from '../oidc/token-exchange.js';
import { issueSession } from '../session/issue-session.js';
import { FlowAlreadyCompletedError } from '../store/errors.js';
import type { Flow, FlowType, SessionWithIdentity } from '../store/types.js';
import { text, type UiText } from '../text/messages.js';
import { ensureBrowserSubmitOwnsFlow } from './csrf-guard.js';
import { alreadyCompleted, csrfTokenOf, newFlow } from './flow-lifecycle.js';
import { countLoginAttempt } from './login-attempt-limits.js';
import { enforceFlowCreationLimit } from './rate-limits.js';
import { isFormOutcome, jsonType, openSubmission, type FormOutcome, type SubmitBody } from './submission.js';
import type { RequestContext } from './request-context.js';
import { addMessage, csrfNode, loginPasswordNodes, setNodeValue } from './ui-nodes.js';

export interface LoginFlowParams {
  type: FlowType;
  requestUrl: string;
  refresh: boolean;
  returnTo: string | null;
  csrfToken?: string;
}

export type SubmitOutcome = FormOutcome | { kind: 'success'; flow: Flow; session: SessionWithIdentity; token: string };

const LINKING_NEEDS_EXCHANGE_CODE =
  'Confirming an account to link in an API flow needs the session_token_exchange_code this flow was initialized with, in the body (session_token_exchange_code) or the X-Session-Token-Exchange-Code header.';
const ALREADY_LOGGED_IN_REASON = 'A valid session was detected and thus login is not possible. Did you forget to set `?refresh=true`?';

export function buildLoginFlow(deps: Deps, params: LoginFlowParams): Flow {
  const identifierLabel = identifierLabelOf(deps);
  const [identifier, password, method] = loginPasswordNodes(identifierLabel);
  const nodes = deps.config.selfservice.methods.password.enabled ? [identifier!, csrfNode(''), password!, method!] : [csrfNode('')];
  if (deps.oidc) nodes.push(...providerButtons(deps.oidc.providers, 'login'));
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

export function sessionAlreadyAvailable(): KratosError {
  return new KratosError(400, { id: 'session_already_available', reason: ALREADY_LOGGED_IN_REASON, message: 'you are already logged in' });
}

/** `POST /self-service/login?flow=` with the password method. */
export async function submitLogin(deps: Deps, flowId: string, body: SubmitBody, request: RequestContext, session: SessionWithIdentity | null): Promise<SubmitOutcome> {
  const opened = await openSubmission(deps, 'login', flowId, body, request, {
    replacement: (expired) => buildLoginFlow(deps, { type: expired.type, requestUrl: expired.requestUrl, refresh: expired.refresh, returnTo: expired.returnTo, csrfToken: csrfTokenOf(expired) }),
    expiredMessage: (expired, now) => text.loginFlowExpired(expired.expiresAt, now),
    alreadyCompletedMessage: text.loginAlreadyCompleted(),
  });
  if (isFormOutcome(opened)) return opened;
  const { flow, ui, fields, fail, showForm } = opened;
  const now = deps.now();
  if (fields.method !== 'password') return fail(text.noLoginStrategy());
  if (!deps.config.selfservice.methods.password.enabled) return fail(text.noLoginStrategy());
  if (session && !flow.refresh) return fail(text.generic(ALREADY_LOGGED_IN_REASON));
  // An account-linking flow: the password links the waiting upstream account, so the submit must come from
  // whoever the flow is bound to (src/oidc/pending-link.ts), checked before any hashing.
  if (pendingLinkOf(flow)) {
    if (flow.type === 'browser') ensureBrowserSubmitOwnsFlow(deps.config, request.headers, fields, flow);
    else if (!(await holdsTokenExchange(deps, flow, fields.session_token_exchange_code ?? request.headers.get('x-session-token-exchange-code')))) return fail(text.generic(LINKING_NEEDS_EXCHANGE_CODE));
  }

  const identifierInput = fields.identifier ?? fields.password_identifier;
  if (identifierInput !== undefined) setNodeValue(ui, 'identifier', typeof identifierInput === 'string' ? identifierInput : '');
  let invalid = false;
  for (const [name, value] of [['identifier', identifierInput], ['password', fields.password]] as const) {
    if (value === undefined || value === null || value === '') {
      addMessage(ui, name, text.required(name));
      invalid = true;
    } else if (typeof value !== 'string') {
      addMessage(ui, name, text.wrongType(['string'], jsonType(value)));
      invalid = true;
    }
  }
  if (invalid) return showForm();
  const identifier = normalizeIdentifier(identifierInput as string);
  const password = fields.password as string;
  // Counted for known and unknown identifiers alike, before the lookup, so a 429 says nothing about the account.
  const attempt = await countLoginAttempt(deps, identifier, request.ip);

  const identity = await deps.store.findIdentityByCredentialIdentifier('password', identifier);
  const credential = identity?.credentials?.find((c) => c.type === 'password');
  const hashed = credential?.config.hashed_password;
  let verdict: VerifyResult;
  try {
    // An unknown identifier costs a full check against a dummy hash: timing does not reveal whether the account
    // exists (password-hasher.ts explains how a failure costs the same whatever the stored hash).
    verdict = !identity || typeof hashed !== 'string' ? await deps.hasher.verifyDummy(password) : await deps.hasher.verify(hashed, password);
  } catch (error) {
    // No password was checked (e.g. the hashing queue was full): the attempt must not count as a failure.
    await attempt.refund();
    throw error;
  }
  if (!identity || !verdict.ok) return fail(text.invalidCredentials());
  await attempt.refund();
  if (identity.state !== 'active') {
    throw identityDisabled();
  }
  if (verdict.needsRehash) {
    await deps.store.updateCredentialConfig(identity.id, 'password', { ...credential!.config, hashed_password: await deps.hasher.hash(password) });
  }

  // On an account-linking flow the upstream account waiting there is added now that the password is proven.
  const linked = await linkPendingUpstreamAccount(deps, flow, identity);
  if (!linked.ok) return fail(linked.message);

  const issued = issueSession(identity.id, { method: 'password' }, request, now, deps.config.session.lifespan);
  for (const method of linked.methods) issued.session.authenticationMethods.push({ ...method, aal: 'aal1', completed_at: now.toISOString() });
  const completed: Flow = { ...flow, state: 'passed_challenge', active: 'password', updatedAt: now };
  try {
    // The session and the flow's completion are one write: of two concurrent submits only one gets a session.
    await deps.store.createSession(issued.session, { countsAsLogin: true, completeFlow: { flow: completed } });
  } catch (error) {
    if (error instanceof FlowAlreadyCompletedError) return alreadyCompleted(flow, text.loginAlreadyCompleted());
    throw error;
  }
  Object.assign(flow, completed);
  const { tokenHash: _t, logoutTokenHash: _l, ...stored } = issued.session;
  const { credentials: _c, ...publicIdentity } = identity;
  return { kind: 'success', flow, session: { ...stored, identity: { ...publicIdentity, loginsCount: identity.loginsCount + 1, lastLoginAt: now } }, token: issued.token };
}

function identifierLabelOf(deps: Deps): UiText {
  const identifiers = deps.schemas.getDefault().fields.filter((f) => f.extension.credentials?.password?.identifier);
  const only = identifiers.length === 1 ? identifiers[0] : undefined;
  return only?.title ? text.labelGenerated(only.title, 'identifier') : text.labelId();
}
