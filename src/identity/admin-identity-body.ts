import type { Deps } from '../deps.js';
import { badRequest } from '../errors/kratos-error.js';
import type { Credential, Identity, JsonObject } from '../store/types.js';
import type { IdentitySchema } from './identity-schemas.js';
import { newIdentity, passwordCredential, passwordIdentifiers } from './new-identity.js';

/**
 * Kratos's `createIdentityBody` (admin API): strictly decoded, traits validated against the schema, and an
 * optional password credential given either as plaintext (hashed with the configured argon2id; the password
 * policy is deliberately not applied, as in Kratos) or as an existing hash.
 */
const CREATE_FIELDS = new Set(['schema_id', 'traits', 'state', 'metadata_public', 'metadata_admin', 'credentials', 'verifiable_addresses', 'recovery_addresses', 'external_id', 'organization_id']);

export async function identityFromCreateBody(deps: Deps, body: unknown): Promise<Identity> {
  const fields = requireObject(body, 'The request body must be a JSON object.');
  for (const key of Object.keys(fields)) if (!CREATE_FIELDS.has(key)) throw badRequest(`json: unknown field "${key}"`);
  const schemaId = fields.schema_id ?? deps.schemas.defaultId;
  if (typeof schemaId !== 'string') throw badRequest('schema_id must be a string');
  const schema = deps.schemas.get(schemaId);
  if (!schema) throw badRequest(`The identity schema "${schemaId}" does not exist.`);
  const traits = requireObject(fields.traits ?? {}, 'traits must be a JSON object');
  validateTraitsOrThrow(deps, schema, traits);
  const state = fields.state ?? 'active';
  if (state !== 'active' && state !== 'inactive') throw badRequest('state must be "active" or "inactive"');
  const externalId = fields.external_id ?? null;
  if (externalId !== null && (typeof externalId !== 'string' || externalId === '')) throw badRequest('external_id must be a non-empty string');
  if (fields.organization_id !== undefined && fields.organization_id !== null) throw badRequest('organizations are not supported');
  const now = deps.now();
  const credentials = await credentialsFromBody(deps, schema, traits, fields.credentials, now);
  const identity = newIdentity({
    schema,
    traits,
    now,
    state,
    metadataPublic: fields.metadata_public ?? null,
    metadataAdmin: fields.metadata_admin ?? null,
    externalId: externalId as string | null,
    credentials,
  });
  applyAddressOverrides(identity, fields, now);
  return identity;
}

export function validateTraitsOrThrow(deps: Deps, schema: IdentitySchema, traits: JsonObject): void {
  const issues = deps.schemas.validateTraits(schema, traits);
  if (issues.length > 0) {
    throw badRequest(`The traits do not match the identity schema: ${issues.map((i) => `${i.node ?? 'traits'}: ${i.message.text}`).join('; ')}`);
  }
}

async function credentialsFromBody(deps: Deps, schema: IdentitySchema, traits: JsonObject, raw: unknown, now: Date): Promise<Credential[]> {
  if (raw === undefined || raw === null) return [];
  const credentials = requireObject(raw, 'credentials must be a JSON object');
  const result: Credential[] = [];
  for (const [type, value] of Object.entries(credentials)) {
    if (type !== 'password') throw badRequest(`Importing credentials of type "${type}" is not supported.`);
    const config = requireObject(requireObject(value, 'credentials.password must be a JSON object').config ?? {}, 'credentials.password.config must be a JSON object');
    const identifiers = passwordIdentifiers(schema, traits);
    if (identifiers.length === 0) throw badRequest('The identity has no password identifier in its traits, so a password cannot be imported.');
    if (typeof config.password === 'string' && config.password !== '') {
      result.push(passwordCredential(identifiers, await deps.hasher.hash(config.password), now));
    } else if (typeof config.hashed_password === 'string' && config.hashed_password !== '') {
      if (!deps.hasher.isSupported(config.hashed_password)) throw badRequest('The imported password does not match any known hash format.');
      result.push(passwordCredential(identifiers, config.hashed_password, now));
    } else {
      throw badRequest('credentials.password.config needs "password" or "hashed_password".');
    }
  }
  return result;
}

/** Admin-supplied addresses replace the derived ones when given; values are lowercased like Kratos does. */
function applyAddressOverrides(identity: Identity, fields: Record<string, unknown>, now: Date): void {
  if (Array.isArray(fields.verifiable_addresses)) {
    identity.verifiableAddresses = fields.verifiable_addresses.map((raw) => {
      const a = requireObject(raw, 'verifiable_addresses entries must be objects');
      if (typeof a.value !== 'string' || (a.via !== 'email' && a.via !== 'sms')) throw badRequest('verifiable_addresses entries need "value" and "via" (email or sms)');
      const verified = a.verified === true;
      const existing = identity.verifiableAddresses.find((v) => v.value === (a.value as string).toLowerCase());
      return {
        id: existing?.id ?? crypto.randomUUID(),
        value: (a.value as string).toLowerCase(),
        verified,
        via: a.via,
        status: a.status === 'sent' || a.status === 'completed' ? a.status : verified ? 'completed' : 'pending',
        verifiedAt: verified ? now : null,
        createdAt: now,
        updatedAt: now,
      };
    });
  }
  if (Array.isArray(fields.recovery_addresses)) {
    identity.recoveryAddresses = fields.recovery_addresses.map((raw) => {
      const a = requireObject(raw, 'recovery_addresses entries must be objects');
      if (typeof a.value !== 'string' || (a.via !== 'email' && a.via !== 'sms')) throw badRequest('recovery_addresses entries need "value" and "via" (email or sms)');
      return { id: crypto.randomUUID(), value: (a.value as string).toLowerCase(), via: a.via, createdAt: now, updatedAt: now };
    });
  }
}

export function requireObject(value: unknown, message: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badRequest(message);
  return value as Record<string, unknown>;
}

