import type { Deps } from '../../../deps.js';
import { identityDisabled } from '../../../errors/kratos-error.js';
import { normalizeIdentifier } from '../../../identity/normalize-identifier.js';
import type { VerifyResult } from '../../../identity/password-hasher.js';
import { issueSession } from '../../../session/issue-session.js';
import { text } from '../../../text/messages.js';
import { ensureBrowserSubmitOwnsFlow } from '../../csrf-guard.js';
import { completeFlow } from '../../flow-completion.js';
import { ALREADY_LOGGED_IN_REASON } from '../../flow-errors.js';
import { alreadyCompleted } from '../../flow-lifecycle.js';
import { countLoginAttempt } from '../../login-attempt-limits.js';
import { isFormOutcome, jsonType, openSubmission } from '../../submission.js';
import type { LoginOutcome } from '../../submit-outcomes.js';
import { addMessage, setNodeValue } from '../../ui-nodes.js';
import { linkPendingUpstreamAccount, pendingLinkOf } from '../oidc/pending-link.js';
import { holdsTokenExchange } from '../oidc/token-exchange.js';
import type { StrategySubmit } from '../strategy.js';

const LINKING_NEEDS_EXCHANGE_CODE =
  'Confirming an account to link in an API flow needs the session_token_exchange_code this flow was initialized with, in the body (session_token_exchange_code) or the X-Session-Token-Exchange-Code header.';

/** `POST /self-service/login?flow=` with `method=password`. */
export async function submitPasswordLogin(deps: Deps, { flowId, body, request, session, rules }: StrategySubmit): Promise<LoginOutcome> {
  const opened = await openSubmission(deps, 'login', flowId, body, request, rules);
  if (isFormOutcome(opened)) return opened;
  const { flow, ui, fields, fail, showForm } = opened;
  const now = deps.now();
  if (session && !flow.refresh) return fail(text.generic(ALREADY_LOGGED_IN_REASON));
  // An account-linking flow: the password links the waiting upstream account, so the submit must come from
  // whoever the flow is bound to (src/selfservice/strategy/oidc/pending-link.ts), checked before any hashing.
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
  // The session and the flow's completion are one write: of two concurrent submits only one gets a session.
  const completed = await completeFlow(deps, flow, 'password', now, (completion) => deps.store.createSession(issued.session, { countsAsLogin: true, completeFlow: completion }));
  if (!completed) return alreadyCompleted(flow, text.loginAlreadyCompleted());
  const { tokenHash: _t, logoutTokenHash: _l, ...stored } = issued.session;
  const { credentials: _c, ...publicIdentity } = identity;
  return { kind: 'success', flow, session: { ...stored, identity: { ...publicIdentity, loginsCount: identity.loginsCount + 1, lastLoginAt: now } }, token: issued.token };
}
