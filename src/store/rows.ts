import type { CredentialIdentifierRow, CredentialRow, FlowRow, IdentityRow, SessionRow, StoredRecoveryAddress, StoredVerifiableAddress } from './row-shapes.js';
import type { Credential, Flow, Identity, JsonObject, NewSession, Session, SessionWithIdentity } from './types.js';

export function identityFromRow(row: IdentityRow): Identity {
  return {
    id: row.id,
    schemaId: row.schemaId,
    state: row.state,
    stateChangedAt: row.stateChangedAt,
    traits: row.traits,
    metadataPublic: row.metadataPublic ?? null,
    metadataAdmin: row.metadataAdmin ?? null,
    externalId: row.externalId,
    verifiableAddresses: row.verifiableAddresses.map((a) => ({
      ...a,
      verifiedAt: a.verifiedAt ? new Date(a.verifiedAt) : null,
      createdAt: new Date(a.createdAt),
      updatedAt: new Date(a.updatedAt),
    })),
    recoveryAddresses: row.recoveryAddresses.map((a) => ({ ...a, createdAt: new Date(a.createdAt), updatedAt: new Date(a.updatedAt) })),
    loginsCount: row.loginsCount,
    lastLoginAt: row.lastLoginAt,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export function identityToRow(identity: Identity): IdentityRow {
  const verifiable: StoredVerifiableAddress[] = identity.verifiableAddresses.map((a) => ({
    ...a,
    verifiedAt: a.verifiedAt ? a.verifiedAt.toISOString() : null,
    createdAt: a.createdAt.toISOString(),
    updatedAt: a.updatedAt.toISOString(),
  }));
  const recovery: StoredRecoveryAddress[] = identity.recoveryAddresses.map((a) => ({
    ...a,
    createdAt: a.createdAt.toISOString(),
    updatedAt: a.updatedAt.toISOString(),
  }));
  return {
    id: identity.id,
    schemaId: identity.schemaId,
    state: identity.state,
    stateChangedAt: identity.stateChangedAt,
    traits: identity.traits,
    metadataPublic: identity.metadataPublic ?? null,
    metadataAdmin: identity.metadataAdmin ?? null,
    externalId: identity.externalId,
    verifiableAddresses: verifiable,
    recoveryAddresses: recovery,
    loginsCount: identity.loginsCount,
    lastLoginAt: identity.lastLoginAt,
    createdAt: identity.createdAt,
    updatedAt: identity.updatedAt,
  };
}

export function sessionFromRow(row: SessionRow): Session {
  return {
    id: row.id,
    identityId: row.identityId,
    active: row.active,
    expiresAt: row.expiresAt,
    authenticatedAt: row.authenticatedAt,
    issuedAt: row.issuedAt,
    aal: row.aal,
    authenticationMethods: row.authenticationMethods,
    devices: row.devices,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/** A session row joined to its identity row (the whoami lookup, admin session reads). */
export function sessionWithIdentityFromRows(row: { session: SessionRow; identity: IdentityRow }): SessionWithIdentity {
  return { ...sessionFromRow(row.session), identity: identityFromRow(row.identity) };
}

export function sessionToRow(session: NewSession): SessionRow {
  return {
    id: session.id,
    tokenHash: session.tokenHash,
    logoutTokenHash: session.logoutTokenHash,
    identityId: session.identityId,
    active: session.active,
    expiresAt: session.expiresAt,
    authenticatedAt: session.authenticatedAt,
    issuedAt: session.issuedAt,
    aal: session.aal,
    authenticationMethods: session.authenticationMethods,
    devices: session.devices,
    createdAt: session.createdAt,
    updatedAt: session.updatedAt,
  };
}

export function flowFromRow(row: FlowRow): Flow {
  return { ...row };
}

export function flowToRow(flow: Flow): FlowRow {
  return { ...flow };
}

/** Assembles each identity's credentials from its credential rows and identifier rows (in the given order). */
export function credentialsByIdentity(rows: CredentialRow[], identifierRows: CredentialIdentifierRow[]): Map<string, Credential[]> {
  const result = new Map<string, Credential[]>();
  for (const row of rows) {
    const list = result.get(row.identityId) ?? [];
    list.push({
      type: row.type,
      identifiers: identifierRows.filter((i) => i.identityId === row.identityId && i.type === row.type).map((i) => i.identifier),
      config: row.config,
      version: row.version,
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
    });
    result.set(row.identityId, list);
  }
  return result;
}

export function credentialToRow(identityId: string, credential: Credential): CredentialRow {
  return {
    identityId,
    type: credential.type,
    config: credential.config,
    version: credential.version,
    createdAt: credential.createdAt,
    updatedAt: credential.updatedAt,
  };
}

/**
 * An `oidc` credential config with one more `providers[]` entry (Kratos's identity/credentials_oidc.go shape),
 * replacing an entry for the same provider and subject. Both stores apply it under a lock of the credential.
 */
export function withProviderEntry(config: JsonObject, entry: JsonObject): JsonObject {
  const sameAccount = (p: unknown): boolean => typeof p === 'object' && p !== null && (p as JsonObject).provider === entry.provider && (p as JsonObject).subject === entry.subject;
  const providers = Array.isArray(config.providers) ? config.providers.filter((p) => !sameAccount(p)) : [];
  return { ...config, providers: [...providers, entry] };
}
