import { identityDisabled } from '../errors/kratos-error.js';
import { uiOf } from '../selfservice/flow-lifecycle.js';
import type { Flow, Identity } from '../store/types.js';
import { text, type UiText } from '../text/messages.js';
import { endOnForm, endSignedIn } from './callback-endings.js';
import type { CallbackOutcome } from './outcomes.js';
import { linkPendingUpstreamAccount, ownsDuplicateIdentifier, pendingLinkOf } from './pending-link.js';
import type { UpstreamCallbackContext } from './callback-context.js';

/**
 * A subject this provider brought before signs in (Kratos's ProcessLogin). On an account-linking flow, where
 * the user confirms their existing account with another provider, the waiting upstream account is linked too:
 * at once on a browser flow (this callback runs in the browser that owns the flow), and on an API flow only when
 * the app redeems its exchange codes (pending-link.ts).
 */
export async function signInUpstreamSubject(ctx: UpstreamCallbackContext, flow: Flow, identity: Identity): Promise<CallbackOutcome> {
  const { deps, provider } = ctx;
  if (identity.state !== 'active') throw identityDisabled();
  const methods = [{ method: 'oidc', provider: provider.config.id }];
  const pending = pendingLinkOf(flow);
  if (pending && flow.type === 'api') {
    if (!ownsDuplicateIdentifier(identity, pending)) return failOn(ctx, flow, text.linkedCredentialsMismatch());
    return endSignedIn(deps, flow, identity, methods, ctx.request, { identityIsNew: false, withSession: true, pendingLink: pending });
  }
  const linked = await linkPendingUpstreamAccount(deps, flow, identity);
  if (!linked.ok) return failOn(ctx, flow, linked.message);
  return endSignedIn(deps, flow, identity, [...methods, ...linked.methods], ctx.request, { identityIsNew: false, withSession: true });
}

function failOn(ctx: UpstreamCallbackContext, flow: Flow, message: UiText): Promise<CallbackOutcome> {
  uiOf(flow).messages = [message];
  return endOnForm(ctx.deps, flow);
}
