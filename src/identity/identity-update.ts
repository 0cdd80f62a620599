import { badRequest } from '../errors/kratos-error.js';
import { CREDENTIAL_TYPES as ALL_CREDENTIAL_TYPES, type Credential, type CredentialType, type Identity, type JsonObject } from '../store/types.js';
import { parseExternalId, parseRecoveryAddresses, parseState, parseVerifiableAddresses, schemaOf, validateTraitsOrThrow, withDerivedIdentifiers } from './admin-identity-body.js';
import type { IdentityBuildDeps } from './identity-build-deps.js';
import { identityToJson } from './identity-json.js';
import { assertImportableHash, credentialsFromImportBody } from './import-credentials.js';
import { applyJsonPatch, parsePatchDocument } from './json-patch.js';
import { requireObject } from './json-body-fields.js';
import { addressesFor } from './new-identity.js';

/** Kratos's PATCH deny-list, verbatim (identity/handler.go), including its camelCase `/stateChangedAt`. */
const PATCH_DENIED_PATHS = ['/id', '/stateChangedAt', '/credentials', '/credentials/oidc', '/credentials/oidc/**', '/credentials/saml', '/credentials/saml/**'];
const CREDENTIAL_TYPES: ReadonlySet<CredentialType> = new Set(ALL_CREDENTIAL_TYPES);

/**
 * `PUT /admin/identities/{id}` (Kratos's updateIdentityBody): traits, metadata and external_id are replaced (absent
 * means cleared, as in Kratos), an empty `schema_id` or `state` keeps the current one, and `credentials`, when
 * given, replace the password and add OIDC links.
 */
export async function identityFromUpdateBody(deps: IdentityBuildDeps, current: Identity, body: unknown): Promise<Identity> {
  const fields = requireObject(body, 'The request body must be a JSON object.');
  const now = deps.now();
  const next: Identity = {
    ...current,
    schemaId: fields.schema_id === undefined || fields.schema_id === '' ? current.schemaId : schemaOf(deps, fields.schema_id).id,
    state: fields.state === undefined || fields.state === '' ? current.state : parseState(fields.state),
    traits: requireObject(fields.traits, 'traits must be a JSON object'),
    metadataPublic: fields.metadata_public ?? null,
    metadataAdmin: fields.metadata_admin ?? null,
    externalId: parseExternalId(fields.external_id),
  };
  next.credentials = await credentialsFromImportBody(deps, fields.credentials, now, current.credentials ?? []);
  return finishUpdate(deps, current, next, now);
}

/**
 * `PATCH /admin/identities/{id}`: the patch is applied to the identity's admin JSON including credential configs
 * (so `/credentials/password/config/hashed_password` can be replaced, as in Kratos), then read back. Server-owned
 * members (`created_at`, `updated_at`, `schema_url`, `state_changed_at`) are ignored when patched.
 */
export async function identityFromPatch(deps: IdentityBuildDeps, current: Identity, rawPatch: unknown, schemaUrl: string): Promise<Identity> {
  // A patch that does not apply throws a JsonPatchError: the error handler answers Kratos's 400 "failed to apply JSON patch".
  const operations = parsePatchDocument(rawPatch);
  const document = identityToJson(current, { schemaUrl, admin: true, includeCredentialConfig: [...CREDENTIAL_TYPES] });
  if (document.metadata_admin === undefined) document.metadata_admin = null;
  const patched = applyJsonPatch(document, operations, PATCH_DENIED_PATHS);
  const now = deps.now();
  const next: Identity = {
    ...current,
    schemaId: schemaOf(deps, patched.schema_id).id,
    state: patched.state === current.state ? current.state : parseState(patched.state),
    traits: requireObject(patched.traits, 'traits must be a JSON object'),
    metadataPublic: patched.metadata_public ?? null,
    metadataAdmin: patched.metadata_admin ?? null,
    externalId: parseExternalId(patched.external_id),
    verifiableAddresses: Array.isArray(patched.verifiable_addresses) ? parseVerifiableAddresses(patched.verifiable_addresses, now) : [],
    recoveryAddresses: Array.isArray(patched.recovery_addresses) ? parseRecoveryAddresses(patched.recovery_addresses, now) : [],
    credentials: credentialsFromPatchedJson(deps, patched.credentials, current.credentials ?? [], now),
  };
  return finishUpdate(deps, current, next, now);
}

/** Validation and the fields every write derives: addresses and password identifiers from traits, timestamps. */
function finishUpdate(deps: IdentityBuildDeps, current: Identity, next: Identity, now: Date): Identity {
  const schema = schemaOf(deps, next.schemaId);
  validateTraitsOrThrow(deps, schema, next.traits as JsonObject);
  Object.assign(next, addressesFor(schema, next.traits, now, next));
  next.credentials = withDerivedIdentifiers(schema, next.traits, next.credentials ?? [], now);
  if (next.state !== current.state) next.stateChangedAt = now;
  next.updatedAt = now;
  return next;
}

function credentialsFromPatchedJson(deps: IdentityBuildDeps, raw: unknown, existing: readonly Credential[], now: Date): Credential[] {
  if (raw === undefined || raw === null) return [];
  const map = requireObject(raw, 'credentials must be a JSON object');
  const result: Credential[] = [];
  for (const [key, value] of Object.entries(map)) {
    const entry = requireObject(value, `credentials.${key} must be a JSON object`);
    // Kratos's ValidateCredentialsIntegrity: a credential's type must stay equal to its key.
    if (entry.type !== key) throw badRequest(`credentials.${key}.type must equal "${key}", got "${typeof entry.type === 'string' ? entry.type : ''}"`);
    if (!CREDENTIAL_TYPES.has(key as CredentialType)) throw badRequest(`Credentials of type "${key}" are not supported.`);
    const before = existing.find((c) => c.type === key);
    const config = requireObject(entry.config ?? before?.config ?? {}, `credentials.${key}.config must be a JSON object`);
    if (key === 'password' && config.hashed_password !== before?.config.hashed_password) {
      // A hash Tessera cannot verify would lock the user out; Kratos stores it anyway, Tessera refuses it.
      assertImportableHash(deps, typeof config.hashed_password === 'string' ? config.hashed_password : '');
    }
    const changed = JSON.stringify(config) !== JSON.stringify(before?.config);
    result.push({
      type: key as CredentialType,
      identifiers: before?.identifiers ?? [],
      config,
      version: typeof entry.version === 'number' ? entry.version : (before?.version ?? 0),
      createdAt: before?.createdAt ?? now,
      updatedAt: changed ? now : (before?.updatedAt ?? now),
    });
  }
  return result;
}
