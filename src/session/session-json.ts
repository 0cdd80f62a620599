import type { Session, SessionWithIdentity } from './session.js';

/**
 * A session as Kratos serializes it (session/session.go): `active` is recomputed at read time, the identity is
 * embedded (already serialized by the caller, public or admin view), `devices` always an array.
 */
export function isSessionActive(session: SessionWithIdentity | Session, now: Date, identityState?: string): boolean {
  return session.active && session.expiresAt.getTime() > now.getTime() && (identityState === undefined || identityState === 'active');
}

export function sessionToJson(session: Session, identityJson: Record<string, unknown> | null, now: Date, identityState?: string): Record<string, unknown> {
  const json: Record<string, unknown> = {
    id: session.id,
    active: isSessionActive(session, now, identityState),
    expires_at: session.expiresAt.toISOString(),
    authenticated_at: session.authenticatedAt.toISOString(),
    authenticator_assurance_level: session.aal,
    authentication_methods: session.authenticationMethods,
    issued_at: session.issuedAt.toISOString(),
  };
  json.identity = identityJson;
  json.devices = session.devices;
  return json;
}
