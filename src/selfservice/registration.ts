import type { Deps } from '../deps.js';
import { KratosError } from '../errors/kratos-error.js';
import { traitValue } from '../identity/identity-schemas.js';
import { newIdentity, passwordCredential, passwordIdentifiers } from '../identity/new-identity.js';
import { checkPasswordPolicy } from '../identity/password-policy.js';
import { providerButtons } from '../oidc/provider-buttons.js';
import { issueSession } from '../session/issue-session.js';
import { DuplicateCredentialIdentifierError, FlowAlreadyCompletedError } from '../store/errors.js';
import type { Flow, FlowType, Identity, SessionWithIdentity } from '../store/types.js';
import { text } from '../text/messages.js';
import { alreadyCompleted, csrfTokenOf, newFlow } from './flow-lifecycle.js';
import { sessionAlreadyAvailable } from './login.js';
import { enforceFlowCreationLimit, enforceRegistrationIdentifierLimit } from './rate-limits.js';
import { asObject, isFormOutcome, jsonType, openSubmission, type FormOutcome, type SubmitBody } from './submission.js';
import type { RequestContext } from './request-context.js';
import { addMessage, csrfNode, registrationPasswordNodes, setNodeValue, traitNodes } from './ui-nodes.js';

export interface RegistrationFlowParams {
  type: FlowType;
  requestUrl: string;
  returnTo: string | null;
  csrfToken?: string;
}

export type RegistrationOutcome = FormOutcome | { kind: 'success'; flow: Flow; identity: Identity; session: SessionWithIdentity | null; token: string | null };

export function buildRegistrationFlow(deps: Deps, params: RegistrationFlowParams): Flow {
  const schema = deps.schemas.getDefault();
  const nodes = [
    csrfNode(''),
    ...traitNodes(schema.fields),
    ...(deps.config.selfservice.methods.password.enabled ? registrationPasswordNodes() : []),
    ...(deps.oidc ? providerButtons(deps.oidc.providers, 'registration') : []),
  ];
  return newFlow(deps, { kind: 'registration', type: params.type, requestUrl: params.requestUrl, nodes, returnTo: params.returnTo, csrfToken: params.csrfToken });
}

export function registrationDisabled(): KratosError {
  return new KratosError(400, { id: 'self_service_flow_disabled', reason: 'Registration is not allowed because it was disabled.', message: 'registration flow disabled' });
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

/** `POST /self-service/registration?flow=` with the password method. */
export async function submitRegistration(deps: Deps, flowId: string, body: SubmitBody, request: RequestContext, session: SessionWithIdentity | null): Promise<RegistrationOutcome> {
  if (!deps.config.selfservice.flows.registration.enabled) throw registrationDisabled();
  const opened = await openSubmission(deps, 'registration', flowId, body, request, {
    replacement: (expired) => buildRegistrationFlow(deps, { type: expired.type, requestUrl: expired.requestUrl, returnTo: expired.returnTo, csrfToken: csrfTokenOf(expired) }),
    expiredMessage: (expired, now) => text.registrationFlowExpired(expired.expiresAt, now),
    alreadyCompletedMessage: text.registrationAlreadyCompleted(),
  });
  if (isFormOutcome(opened)) return opened;
  const { flow, ui, fields, fail, showForm } = opened;
  const now = deps.now();
  if (fields.method !== 'password' || !deps.config.selfservice.methods.password.enabled) return fail(text.noRegistrationStrategy());
  if (session) return fail(text.generic('A valid session was detected and thus registration is not possible.'));

  const schema = deps.schemas.getDefault();
  const traits = fields.traits ?? {};
  // Re-render what the user typed (never the password), as Kratos does.
  if (asObject(traits)) for (const field of schema.fields) setNodeValue(ui, `traits.${field.path}`, scalarTrait(traits as Record<string, unknown>, field.path));

  let invalid = false;
  if (!asObject(traits)) {
    addMessage(ui, null, text.wrongType(['object'], jsonType(traits)));
    invalid = true;
  } else {
    for (const issue of deps.schemas.validateTraits(schema, traits)) {
      addMessage(ui, issue.node, issue.message);
      invalid = true;
    }
  }
  const password = fields.password;
  if (password === undefined || password === null || password === '') {
    addMessage(ui, 'password', text.required('password'));
    invalid = true;
  } else if (typeof password !== 'string') {
    addMessage(ui, 'password', text.wrongType(['string'], jsonType(password)));
    invalid = true;
  }
  if (invalid) return showForm();

  const validTraits = traits as Record<string, unknown>;
  const identifiers = passwordIdentifiers(schema, validTraits);
  if (identifiers.length === 0) return fail(text.identifierMissing());
  const policyViolation = checkPasswordPolicy(password as string, identifiers, deps.config.selfservice.methods.password);
  if (policyViolation) return fail(policyViolation, 'password');
  // Before the duplicate check (which happens at insert), so a 429 says nothing about existing accounts.
  await enforceRegistrationIdentifierLimit(deps, identifiers);

  const hashed = await deps.hasher.hash(password as string);
  const identity = newIdentity({ schema, traits: validTraits, now, credentials: [passwordCredential(identifiers, hashed, now)] });
  const withSession = deps.config.selfservice.flows.registration.after.password.hooks.some((h) => h.hook === 'session');
  const issued = withSession ? issueSession(identity.id, { method: 'password' }, request, now, deps.config.session.lifespan) : null;
  const completed: Flow = { ...flow, state: 'passed_challenge', active: 'password', updatedAt: now };
  try {
    // Identity, credential, session and the flow's completion are one write: nothing half-created, and of two
    // concurrent submits of one flow only one registers.
    await deps.store.createIdentity(identity, { ...(issued ? { session: issued.session } : {}), completeFlow: { flow: completed } });
  } catch (error) {
    if (error instanceof DuplicateCredentialIdentifierError) return fail(text.duplicateCredentials());
    if (error instanceof FlowAlreadyCompletedError) return alreadyCompleted(flow, text.registrationAlreadyCompleted());
    throw error;
  }
  Object.assign(flow, completed);

  const { credentials: _c, ...publicIdentity } = identity;
  if (issued) publicIdentity.loginsCount = 1;
  let sessionWithIdentity: SessionWithIdentity | null = null;
  if (issued) {
    const { tokenHash: _t, logoutTokenHash: _l, ...stored } = issued.session;
    publicIdentity.lastLoginAt = now;
    sessionWithIdentity = { ...stored, identity: publicIdentity };
  }
  return { kind: 'success', flow, identity: publicIdentity, session: sessionWithIdentity, token: issued?.token ?? null };
}

/** A trait's submitted value for re-rendering in its input; objects and arrays have no input to go into. */
function scalarTrait(traits: Record<string, unknown>, path: string): unknown {
  const value = traitValue(traits, path);
  return typeof value === 'object' ? undefined : value;
}
