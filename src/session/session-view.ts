import type { Deps } from '../deps.js';
import { identityToJson } from '../identity/identity-json.js';
import type { Identity, SessionWithIdentity } from '../store/types.js';
import { sessionToJson } from './session-json.js';

/** What the views need: the identity schemas, for `schema_url`. */
export type SessionViewDeps = Pick<Deps, 'schemas'>;

/** Public (whoami) view: identity without credentials or metadata_admin. */
export function publicIdentityJson(deps: SessionViewDeps, identity: Identity): Record<string, unknown> {
  return identityToJson(identity, { schemaUrl: schemaUrlOf(deps, identity.schemaId) });
}

export function publicSessionJson(deps: SessionViewDeps, session: SessionWithIdentity, now: Date): Record<string, unknown> {
  return sessionToJson(session, publicIdentityJson(deps, session.identity), now, session.identity.state);
}

/** What `?expand=` asked the admin API to include in a session. */
export interface SessionExpansion {
  identity: boolean;
  devices: boolean;
}

/** Admin view (Kratos's AdminSession): the identity including metadata_admin, and the devices, when expanded. */
export function adminSessionJson(deps: SessionViewDeps, session: SessionWithIdentity, now: Date, expand: SessionExpansion): Record<string, unknown> {
  const identity = expand.identity ? identityToJson(session.identity, { schemaUrl: schemaUrlOf(deps, session.identity.schemaId), admin: true }) : null;
  const json = sessionToJson(session, identity, now, session.identity.state);
  if (!expand.devices) json.devices = [];
  return json;
}

export function schemaUrlOf(deps: SessionViewDeps, schemaId: string): string {
  return deps.schemas.get(schemaId)?.url ?? deps.schemas.getDefault().url.replace(/[^/]+$/, Buffer.from(schemaId).toString('base64url'));
}
