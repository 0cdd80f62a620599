import type { JsonObject } from '../json-object.js';

/**
 * A flow's server-side context, stored as JSON next to it and never sent to clients: what the flow itself keeps
 * (its CSRF token), and what each sign-in method keeps on it, under that method's own keys.
 */
export interface FlowInternalContext extends JsonObject {
  /** The anti-CSRF token the flow is bound to (browser flows), or a random one never checked (API flows). */
  csrf_token?: string;
}
