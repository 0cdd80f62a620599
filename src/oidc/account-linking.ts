import { flowUiUrl } from '../selfservice/browser-urls.js';
import type { Deps } from '../deps.js';
import { uiOf } from '../selfservice/flow-lifecycle.js';
import type { Flow, Identity } from '../store/types.js';
import { text } from '../text/messages.js';
import { endOnForm } from './callback-endings.js';
import type { ConfiguredProvider, OidcMethod } from './oidc-method.js';
import { providersOf, type OidcProviderLink } from './oidc-credential.js';
import type { CallbackOutcome } from './outcomes.js';
import { setPendingLink } from './pending-link.js';
import { flowLike } from './replacement-flow.js';
import { inheritTokenExchange } from './token-exchange.js';

/**
 * The registration of an upstream account failed because its email belongs to an existing account: instead of
 * merging silently, the user gets a login flow for that account (Kratos's account-linking flow,
 * populateAccountLinkingUI) with message 1010016, the identifier prefilled and hidden, the password button
 * relabelled "Sign in and link" (1010017) and the other providers as "Confirm with <label>" (1010018). Signing
 * in there links the upstream account (pending-link.ts).
 */
export async function startAccountLinking(deps: Deps, method: OidcMethod, provider: ConfiguredProvider, source: Flow, existing: Identity, duplicateIdentifier: string, link: OidcProviderLink): Promise<CallbackOutcome> {
  const flow = flowLike(deps, source, 'login');
  inheritTokenExchange(source, flow);
  setPendingLink(flow, { duplicate_identifier: duplicateIdentifier, link });
  flow.active = 'oidc';

  // With login hints the form offers only what the existing account can sign in with, and says so in the
  // message's context; without, it reveals nothing about that account.
  const hints = deps.config.selfservice.flows.registration.login_hints;
  const hasPassword = (existing.credentials ?? []).some((c) => c.type === 'password' && typeof c.config.hashed_password === 'string');
  const linkedProviders = providersOf(existing.credentials?.find((c) => c.type === 'oidc')?.config ?? {}).map((p) => p.provider);

  const ui = uiOf(flow);
  ui.nodes = ui.nodes.filter((node) => {
    if (node.group === 'oidc') return node.attributes.value !== provider.config.id && (!hints || linkedProviders.includes(String(node.attributes.value)));
    if (node.group === 'password') return !hints || hasPassword;
    if (node.attributes.name === 'identifier') return !hints || hasPassword;
    return true;
  });
  for (const node of ui.nodes) {
    if (node.attributes.name === 'identifier') {
      node.attributes.type = 'hidden';
      node.attributes.value = duplicateIdentifier;
    } else if (node.group === 'password' && node.attributes.type === 'submit') {
      node.meta.label = text.linkAndSignIn();
    } else if (node.group === 'oidc') {
      const other = method.provider(String(node.attributes.value));
      node.meta.label = text.linkConfirmWith(other?.buttonLabel ?? String(node.attributes.value));
    }
  }
  const newLoginUrl = flowUiUrl(deps.config, 'login', flow.id);
  ui.messages = [
    text.accountLinkingDuplicate(duplicateIdentifier, provider.linkingLabel, {
      duplicateIdentifier,
      duplicate_identifier: duplicateIdentifier,
      provider: provider.linkingLabel,
      newLoginUrl,
      new_login_url: newLoginUrl,
      available_credential_types: hints ? [...(hasPassword ? ['password'] : []), ...(linkedProviders.length > 0 ? ['oidc'] : [])] : [],
      available_providers: hints ? linkedProviders : [],
    }),
  ];
  await deps.store.createFlow(flow);
  return endOnForm(deps, flow, true);
}
