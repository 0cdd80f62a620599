import type { Deps } from '../deps.js';
import type { SessionWithIdentity } from '../store/types.js';
import { extractSessionToken, findActiveSession } from './session-credentials.js';

/** What finding the session of a request needs. */
export type SessionLookupDeps = Pick<Deps, 'store' | 'config' | 'now'>;

/**
 * The caller's session, found lazily and at most once per request: nothing is read from the headers or the store
 * until a route asks. Routes differ in which credentials they accept, so each source has its own getter:
 * - `token` and `active()`: `X-Session-Token`, else the session cookie, else `Authorization: Bearer`, as whoami,
 *   browser flow inits, logout and the submits take them (Kratos's session manager, FetchFromRequest in
 *   https://github.com/ory/kratos/blob/master/session/manager_http.go);
 * - `activeFromSessionTokenHeader()`: the `X-Session-Token` header alone, which is all API flow inits look at.
 */
export class RequestSession {
  private extracted: string | null | undefined;
  private lookup: Promise<SessionWithIdentity | null> | undefined;

  constructor(
    private readonly headers: Headers,
    private readonly deps: SessionLookupDeps,
  ) {}

  /** The session token the request carries, from whichever source comes first, or null. */
  get token(): string | null {
    if (this.extracted === undefined) this.extracted = extractSessionToken(this.headers, this.deps.config.session.cookie.name);
    return this.extracted;
  }

  /**
   * The active session of `token` (active, unexpired, its identity active), or null. `now` is the instant the
   * caller judges by (whoami serializes the session at the same instant); the first call's answer is kept.
   */
  active(now?: Date): Promise<SessionWithIdentity | null> {
    if (this.lookup === undefined) {
      const token = this.token;
      this.lookup = token ? findActiveSession(this.deps.store, token, now ?? this.deps.now()) : Promise.resolve(null);
    }
    return this.lookup;
  }

  /** The active session named by the `X-Session-Token` header, or null when that header is absent or empty. */
  activeFromSessionTokenHeader(): Promise<SessionWithIdentity | null> {
    // The header comes first in `token`'s precedence, so when it is present `active()` looks up exactly its value.
    return this.headers.get('x-session-token') ? this.active() : Promise.resolve(null);
  }
}
