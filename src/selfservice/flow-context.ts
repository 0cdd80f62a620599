import type { JsonObject } from '../json-object.js';
import type { OidcFlowContext } from './strategy/oidc/flow-context.js';

/**
 * A flow's server-side context, stored as JSON next to it and never sent to clients: what the flow itself keeps
 * (its CSRF token), and what each sign-in method keeps on it, under that method's own keys. A key no version of
 * Tessera knows is kept as it is.
 */
export interface FlowInternalContext extends JsonObject, OidcFlowContext {
  /** The anti-CSRF token the flow is bound to (browser flows), or a random one never checked (API flows). */
  csrf_token?: string;
}
