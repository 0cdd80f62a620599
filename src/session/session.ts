import type { Identity } from '../identity/identity.js';

/** A session as the service sees it; only the SHA-256 of its secrets is ever stored (NewSession). */
export type AuthenticatorAssuranceLevel = 'aal0' | 'aal1' | 'aal2' | 'aal3';

export interface AuthenticationMethod {
  method: string;
  aal: AuthenticatorAssuranceLevel;
  completed_at: string;
  provider?: string;
}

export interface SessionDevice {
  id: string;
  ip_address: string | null;
  user_agent: string | null;
  location: string | null;
}

export interface Session {
  id: string;
  identityId: string;
  active: boolean;
  expiresAt: Date;
  authenticatedAt: Date;
  issuedAt: Date;
  aal: AuthenticatorAssuranceLevel;
  authenticationMethods: AuthenticationMethod[];
  devices: SessionDevice[];
  createdAt: Date;
  updatedAt: Date;
}

export interface SessionWithIdentity extends Session {
  identity: Identity;
}

/** What is written when a session is created: the hashes of its secrets, never the secrets. */
export interface NewSession extends Session {
  tokenHash: string;
  logoutTokenHash: string;
}
