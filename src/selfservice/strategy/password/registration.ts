import type { Deps } from '../../../deps.js';
import { traitValue } from '../../../identity/identity-schemas.js';
import { newIdentity, passwordCredential, passwordIdentifiers } from '../../../identity/new-identity.js';
import { checkPasswordPolicy } from '../../../identity/password-policy.js';
import { issueSession } from '../../../session/issue-session.js';
import type { SessionWithIdentity } from '../../../session/session.js';
import { DuplicateCredentialIdentifierError } from '../../../store/errors.js';
import { text } from '../../../text/messages.js';
import { completeFlow } from '../../flow-completion.js';
import { alreadyCompleted } from '../../flow-lifecycle.js';
import { enforceRegistrationIdentifierLimit } from '../../rate-limits.js';
import { asObject, isFormOutcome, jsonType, openSubmission } from '../../submission.js';
import type { RegistrationOutcome } from '../../submit-outcomes.js';
import { addMessage, setNodeValue } from '../../ui-nodes.js';
import type { StrategySubmit } from '../strategy.js';

/** `POST /self-service/registration?flow=` with `method=password`. */
export async function submitPasswordRegistration(deps: Deps, { flowId, body, request, session, rules }: StrategySubmit): Promise<RegistrationOutcome> {
  const opened = await openSubmission(deps, 'registration', flowId, body, request, rules);
  if (isFormOutcome(opened)) return opened;
  const { flow, ui, fields, fail, showForm } = opened;
  const now = deps.now();
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
  let completed: boolean;
  try {
    // Identity, credential, session and the flow's completion are one write: nothing half-created, and of two
    // concurrent submits of one flow only one registers.
    completed = await completeFlow(deps, flow, 'password', now, (completion) => deps.store.createIdentity(identity, { ...(issued ? { session: issued.session } : {}), completeFlow: completion }));
  } catch (error) {
    if (error instanceof DuplicateCredentialIdentifierError) return fail(text.duplicateCredentials());
    throw error;
  }
  if (!completed) return alreadyCompleted(flow, text.registrationAlreadyCompleted());

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
