import type { Deps } from '../../../deps.js';
import { text, type UiText } from '../../../text/messages.js';
import type { FlowKind } from '../../flow.js';
import { loginPasswordNodes, registrationPasswordNodes, type UiNode } from '../../ui-nodes.js';
import type { Strategy } from '../strategy.js';
import { submitPasswordLogin } from './login.js';
import { submitPasswordRegistration } from './registration.js';

/** Kratos's `password` method: an identifier and a password (`selfservice.methods.password`). */
export function passwordStrategy(deps: Pick<Deps, 'config'>): Strategy | null {
  if (!deps.config.selfservice.methods.password.enabled) return null;
  return {
    id: 'password',
    isResponsible: (fields) => fields.method === 'password',
    addNodes,
    submit: { login: submitPasswordLogin, registration: submitPasswordRegistration },
  };
}

/** Login: the identifier leads the form, before the CSRF token; password and submit follow. Registration: password and submit after the traits. */
function addNodes(deps: Pick<Deps, 'schemas'>, kind: FlowKind, nodes: UiNode[]): void {
  if (kind === 'registration') {
    nodes.push(...registrationPasswordNodes());
    return;
  }
  const [identifier, ...rest] = loginPasswordNodes(identifierLabelOf(deps));
  nodes.unshift(identifier!);
  nodes.push(...rest);
}

function identifierLabelOf(deps: Pick<Deps, 'schemas'>): UiText {
  const identifiers = deps.schemas.getDefault().fields.filter((f) => f.extension.credentials?.password?.identifier);
  const only = identifiers.length === 1 ? identifiers[0] : undefined;
  return only?.title ? text.labelGenerated(only.title, 'identifier') : text.labelId();
}
