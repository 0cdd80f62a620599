import type { Flow } from '../../flow.js';

/**
 * How an upstream sign-in callback ends, for src/http/flow-responder.ts to turn into a response (the flows never
 * pick status codes or cookies themselves).
 */

/**
 * The end of a callback. It is always a top-level browser navigation (the provider redirected it here), so it
 * always answers with a redirect:
 * - `completed`: to `return_to`; with a new session cookie for browser flows, with `?code=` for native apps.
 * - `form`: back to the flow's UI (errors, the registration "Continue" step, account linking); native apps go to
 *   `return_to?code=` and find the flow at the token exchange.
 */
export type CallbackOutcome =
  | { kind: 'completed'; flow: Flow; sessionToken: string | null; returnToCode: string | null }
  | { kind: 'form'; flow: Flow; returnToCode: string | null; accountLinking: boolean };
