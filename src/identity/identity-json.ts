import type { Credential, Identity } from './identity.js';
import type { JsonObject } from '../json-object.js';

/**
 * An identity as Kratos serializes it (identity/identity.go). Public views (whoami, the tokenizer's `session`
 * ext var) drop `credentials` and `metadata_admin`; admin views include `metadata_admin` and, when loaded,
 * `credentials` with their config blanked.
 */
export interface IdentityJsonOptions {
  schemaUrl: string;
  admin?: boolean;
  /** Credential types whose config is declassified (Kratos's `include_credential`). */
  includeCredentialConfig?: readonly string[];
  /** How a declassified credential's config is shown (oidc: tokens decrypted); the stored config otherwise. */
  declassify?: (credential: Credential) => JsonObject;
}

export function identityToJson(identity: Identity, options: IdentityJsonOptions): Record<string, unknown> {
  const json: Record<string, unknown> = { id: identity.id };
  if (identity.externalId) json.external_id = identity.externalId;
  // Kratos's credentials map is omitempty: an identity without credentials has no `credentials` member.
  if (options.admin && identity.credentials && identity.credentials.length > 0) {
    const credentials: Record<string, unknown> = {};
    for (const credential of identity.credentials) {
      credentials[credential.type] = {
        type: credential.type,
        identifiers: credential.identifiers,
        ...(options.includeCredentialConfig?.includes(credential.type) ? { config: options.declassify?.(credential) ?? credential.config } : {}),
        version: credential.version,
        created_at: credential.createdAt.toISOString(),
        updated_at: credential.updatedAt.toISOString(),
      };
    }
    json.credentials = credentials;
  }
  json.schema_id = identity.schemaId;
  json.schema_url = options.schemaUrl;
  json.state = identity.state;
  if (identity.stateChangedAt) json.state_changed_at = identity.stateChangedAt.toISOString();
  json.traits = identity.traits;
  // Kratos omits empty address lists (omitempty).
  if (identity.verifiableAddresses.length > 0) json.verifiable_addresses = identity.verifiableAddresses.map((a) => ({
    id: a.id,
    value: a.value,
    verified: a.verified,
    via: a.via,
    status: a.status,
    ...(a.verifiedAt ? { verified_at: a.verifiedAt.toISOString() } : {}),
    created_at: a.createdAt.toISOString(),
    updated_at: a.updatedAt.toISOString(),
  }));
  if (identity.recoveryAddresses.length > 0) json.recovery_addresses = identity.recoveryAddresses.map((a) => ({
    id: a.id,
    value: a.value,
    via: a.via,
    created_at: a.createdAt.toISOString(),
    updated_at: a.updatedAt.toISOString(),
  }));
  json.metadata_public = identity.metadataPublic ?? null;
  if (options.admin && identity.metadataAdmin !== null && identity.metadataAdmin !== undefined) json.metadata_admin = identity.metadataAdmin;
  json.created_at = identity.createdAt.toISOString();
  json.updated_at = identity.updatedAt.toISOString();
  json.organization_id = null;
  return json;
}
