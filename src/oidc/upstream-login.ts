import { identityDisabled } from '../errors/kratos-error.js';
import { uiOf } from '../selfservice/flow-lifecycle.js';
import type { Flow, Identity } from '../store/types.js';
import { endOnForm, endSignedIn } from './callback-endings.js';
import type { CallbackOutcome } from './outcomes.js';
import { linkPendingUpstreamAccount } from './pending-link.js';
import type { UpstreamCallbackContext } from './callback-context.js';

/**
 * A subject this provider brought before signs in (Kratos's ProcessLogin). On an account-linking flow, where
 * the user confirms their existing account with another provider, the waiting upstream account is linked too.
 */
export async function signInUpstreamSubject(ctx: UpstreamCallbackContext, flow: Flow, identity: Identity): Promise<CallbackOutcome> {
  const { deps, provider } = ctx;
  if (identity.state !== 'active') throw identityDisabled();
  const linked = await linkPendingUpstreamAccount(deps, flow, identity);
  if (!linked.ok) {
    uiOf(flow).messages = [linked.message];
    return endOnForm(deps, flow);
  }
  return endSignedIn(deps, flow, identity, [{ method: 'oidc', provider: provider.config.id }, ...linked.methods], ctx.request, { identityIsNew: false, withSession: true });
}
