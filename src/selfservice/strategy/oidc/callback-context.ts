import type { Deps } from '../../../deps.js';
import type { RequestContext } from '../../request-context.js';
import type { PendingUpstreamSignIn } from './flow-context.js';
import type { ConfiguredProvider, OidcMethod } from '../../../oidc/oidc-method.js';
import type { UpstreamSignIn } from '../../../oidc/upstream-client.js';

/** Everything a callback knows once the upstream sign-in succeeded: what the login and registration paths work from. */
export interface UpstreamCallbackContext {
  deps: Deps;
  method: OidcMethod;
  provider: ConfiguredProvider;
  request: RequestContext;
  pending: PendingUpstreamSignIn;
  signIn: UpstreamSignIn;
}
