import type { Deps } from '../../../deps.js';
import type { Strategy } from '../strategy.js';
import { providerButtons } from './provider-buttons.js';
import { selectsUpstreamProvider, submitUpstreamSignIn } from './submit.js';

/**
 * Kratos's `oidc` method ("social sign-in", `selfservice.methods.oidc`): a button per configured provider, and a
 * submit that sends the browser to the provider. The provider's answer comes back to the callback route
 * (src/http/routes/oidc.ts, callback.ts here), which completes the flow. The providers are read from
 * `deps.oidc` at each use, the one place that holds them.
 */
export function oidcStrategy(deps: Pick<Deps, 'oidc'>): Strategy | null {
  if (!deps.oidc) return null;
  return {
    id: 'oidc',
    isResponsible: selectsUpstreamProvider,
    addNodes: (deps, kind, nodes) => {
      if (deps.oidc) nodes.push(...providerButtons(deps.oidc.providers, kind));
    },
    submit: {
      login: (deps, submit) => submitUpstreamSignIn(deps, 'login', submit),
      registration: (deps, submit) => submitUpstreamSignIn(deps, 'registration', submit),
    },
  };
}
