import { inputNode, type UiNode } from '../../ui-nodes.js';
import type { FlowKind } from '../../flow.js';
import { text } from '../../../text/messages.js';
import type { UpstreamProvider } from '../../../oidc/upstream-provider.js';

/**
 * The provider buttons of login and registration forms, as Kratos renders them (nodes.go): a submit input
 * `provider=<id>` in group `oidc`, labelled "Sign in with <label>" (1010002) or "Sign up with <label>" (1040002)
 * with context `{provider, provider_id}`. Any UI, the built-in pages included, shows them as buttons.
 */
export function providerButtons(providers: readonly UpstreamProvider[], kind: FlowKind): UiNode[] {
  return providers.map((p) => providerButton(p, kind === 'login' ? text.loginWith(p.buttonLabel, p.config.id) : text.signUpWith(p.buttonLabel, p.config.id)));
}

export function providerButton(provider: UpstreamProvider, label: ReturnType<typeof text.loginWith>): UiNode {
  return inputNode('oidc', { name: 'provider', type: 'submit', value: provider.config.id }, label);
}
