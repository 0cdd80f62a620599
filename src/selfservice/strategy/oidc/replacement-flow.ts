import type { Deps } from '../../../deps.js';
import { csrfTokenOf } from '../../flow-lifecycle.js';
import { buildLoginFlow } from '../../login.js';
import { buildRegistrationFlow } from '../../registration.js';
import type { Flow } from '../../flow.js';

/**
 * A fresh flow like `flow` (same kind, type, return_to and CSRF binding): the replacement offered for an
 * expired flow, and the other kind's flow when a callback switches between login and registration.
 */
export function flowLike(deps: Deps, flow: Flow, kind: Flow['kind'] = flow.kind): Flow {
  const common = { type: flow.type, requestUrl: flow.requestUrl, returnTo: flow.returnTo, csrfToken: csrfTokenOf(flow) };
  return kind === 'login' ? buildLoginFlow(deps, { ...common, refresh: kind === flow.kind ? flow.refresh : false }) : buildRegistrationFlow(deps, common);
}
