import type { Identity } from '../identity/identity.js';
import type { SessionWithIdentity } from '../session/session.js';
import type { Flow } from './flow.js';

/**
 * How a submit ends, for src/http/flow-responder.ts to turn into a response: the flows and their strategies never
 * pick status codes or cookies themselves.
 */

/** A submit answered with the flow and its messages (400 + flow JSON, or a redirect back to the form). */
export type FormOutcome = { kind: 'form'; flow: Flow };

/** A submit that selected a provider: the browser must go there (303, or 422 `browser_location_change_required`). */
export interface UpstreamRedirectOutcome {
  kind: 'redirect_upstream';
  flow: Flow;
  url: string;
  /** Browser flows: the continuity cookie value to (re)send. */
  continuity: string | null;
}

export type LoginOutcome = FormOutcome | { kind: 'success'; flow: Flow; session: SessionWithIdentity; token: string };

export type RegistrationOutcome = FormOutcome | { kind: 'success'; flow: Flow; identity: Identity; session: SessionWithIdentity | null; token: string | null };
