import type { Deps } from '../deps.js';
import { identityToJson } from '../identity/identity-json.js';
import type { Identity, Session, SessionWithIdentity } from '../store/types.js';
import { sessionToJson } from './session-json.js';

/** Public (whoami) view: identity without credentials or metadata_admin. */
export function publicIdentityJson(deps: Deps, identity: Identity): Record<string, unknown> {
  return identityToJson(identity, { schemaUrl: schemaUrlOf(deps, identity.schemaId) });
}

export function publicSessionJson(deps: Deps, session: SessionWithIdentity, now: Date): Record<string, unknown> {
  return sessionToJson(session, publicIdentityJson(deps, session.identity), now, session.identity.state);
}

/** Admin view (AdminSession): identity including metadata_admin. */
export function adminSessionJson(deps: Deps, session: Session | SessionWithIdentity, now: Date): Record<string, unknown> {
  const identity = 'identity' in session ? session.identity : null;
  return sessionToJson(session, identity ? identityToJson(identity, { schemaUrl: schemaUrlOf(deps, identity.schemaId), admin: true }) : null, now, identity?.state);
}

export function schemaUrlOf(deps: Deps, schemaId: string): string {
  return deps.schemas.get(schemaId)?.url ?? deps.schemas.getDefault().url.replace(/[^/]+$/, Buffer.from(schemaId).toString('base64url'));
}
