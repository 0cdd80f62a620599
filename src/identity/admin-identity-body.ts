import { badRequest } from '../errors/kratos-error.js';
import type { Credential, Identity, RecoveryAddress, VerifiableAddress } from './identity.js';
import type { JsonObject } from '../json-object.js';
import type { IdentityBuildDeps } from './identity-build-deps.js';
import type { IdentitySchema } from './identity-schemas.js';
import { credentialsFromImportBody } from './import-credentials.js';
import { rejectUnknownFields, requireObject } from './json-body-fields.js';
import { addressesFor, newIdentity, passwordIdentifiers } from './new-identity.js';

const CREATE_FIELDS = new Set(['schema_id', 'traits', 'state', 'metadata_public', 'metadata_admin', 'credentials', 'verifiable_addresses', 'recovery_addresses', 'external_id', 'organization_id', 'region']);

/** Optional parts of a create body that an import source may fill in beyond what Kratos's API accepts. */
export interface CreateBodyExtras {
  /** Keep the source system's id (imports), so that JWT subjects and foreign keys stay valid. */
  id?: string;
  createdAt?: Date;
  loginsCount?: number;
  lastLoginAt?: Date | null;
}

/**
 * Kratos's `createIdentityBody` (admin API): strictly decoded, traits validated against the schema, and optional
 * credentials (see import-credentials.ts). Admin-supplied addresses carry their verification state, so imported
 * users keep their verified emails.
 */
export async function identityFromCreateBody(deps: IdentityBuildDeps, body: unknown, extras: CreateBodyExtras = {}): Promise<Identity> {
  const fields = requireObject(body, 'The request body must be a JSON object.');
  rejectUnknownFields(fields, CREATE_FIELDS);
  const schema = schemaOf(deps, fields.schema_id);
  const traits = requireObject(fields.traits ?? {}, 'traits must be a JSON object');
  validateTraitsOrThrow(deps, schema, traits);
  const state = parseState(fields.state ?? 'active');
  const externalId = parseExternalId(fields.external_id);
  if (fields.organization_id !== undefined && fields.organization_id !== null) throw badRequest('Organizations are not supported by Tessera.');
  if (fields.region !== undefined && fields.region !== '') throw badRequest('Regions are not supported by Tessera.');
  const now = deps.now();
  const createdAt = extras.createdAt ?? now;
  const credentials = withDerivedIdentifiers(schema, traits, await credentialsFromImportBody(deps, fields.credentials, createdAt), createdAt);
  const identity = newIdentity({
    schema,
    traits,
    now: createdAt,
    id: extras.id,
    state,
    metadataPublic: fields.metadata_public ?? null,
    metadataAdmin: fields.metadata_admin ?? null,
    externalId,
    credentials,
  });
  identity.updatedAt = now;
  identity.loginsCount = extras.loginsCount ?? 0;
  identity.lastLoginAt = extras.lastLoginAt ?? null;
  applyAddressOverrides(identity, schema, fields, createdAt);
  return identity;
}

export function schemaOf(deps: IdentityBuildDeps, raw: unknown): IdentitySchema {
  const schemaId = raw === undefined || raw === null || raw === '' ? deps.schemas.defaultId : raw;
  if (typeof schemaId !== 'string') throw badRequest('schema_id must be a string');
  const schema = deps.schemas.get(schemaId);
  if (!schema) throw badRequest(`The identity schema "${schemaId}" does not exist.`);
  return schema;
}

export function parseState(raw: unknown): Identity['state'] {
  if (raw !== 'active' && raw !== 'inactive') throw badRequest(`The supplied state ('${String(raw)}') was not valid. Valid states are ('active', 'inactive').`);
  return raw;
}

export function parseExternalId(raw: unknown): string | null {
  if (raw === undefined || raw === null || raw === '') return null;
  if (typeof raw !== 'string') throw badRequest('external_id must be a string');
  return raw;
}

export function validateTraitsOrThrow(deps: IdentityBuildDeps, schema: IdentitySchema, traits: JsonObject): void {
  const issues = deps.schemas.validateTraits(schema, traits);
  if (issues.length > 0) {
    throw badRequest(`The traits do not match the identity schema: ${issues.map((i) => `${i.node ?? 'traits'}: ${i.message.text}`).join('; ')}`);
  }
}

/**
 * Password identifiers always follow the traits, as Kratos's schema extension sets them on every write: a trait
 * change moves the login name with it, and an identity whose schema names identifiers gets a password credential
 * holding them even without a password (config `{}`), so that identifiers stay unique across identities whether
 * or not a password was set.
 */
export function withDerivedIdentifiers(schema: IdentitySchema, traits: JsonObject, credentials: Credential[], now: Date = new Date()): Credential[] {
  const identifiers = passwordIdentifiers(schema, traits);
  const result = credentials.map((credential) => {
    if (credential.type !== 'password') return credential;
    if (identifiers.length === 0) throw badRequest('The identity has no password identifier in its traits, so it cannot have a password.');
    return { ...credential, identifiers };
  });
  if (identifiers.length > 0 && !result.some((c) => c.type === 'password')) result.push(passwordCredentialWithoutPassword(identifiers, now));
  return result;
}

function passwordCredentialWithoutPassword(identifiers: string[], now: Date): Credential {
  return { type: 'password', identifiers, config: {}, version: 0, createdAt: now, updatedAt: now };
}

/**
 * Admin-supplied addresses (values lowercased like Kratos does) seed the addresses derived from the traits: one
 * whose value the traits still hold keeps its id and verification state; one the traits do not hold is dropped,
 * as Kratos's schema extension drops it on the next write anyway.
 */
function applyAddressOverrides(identity: Identity, schema: IdentitySchema, fields: Record<string, unknown>, now: Date): void {
  const verifiable = Array.isArray(fields.verifiable_addresses) ? parseVerifiableAddresses(fields.verifiable_addresses, now) : [];
  const recovery = Array.isArray(fields.recovery_addresses) ? parseRecoveryAddresses(fields.recovery_addresses, now) : [];
  if (verifiable.length === 0 && recovery.length === 0) return;
  Object.assign(identity, addressesFor(schema, identity.traits, now, { verifiableAddresses: verifiable, recoveryAddresses: recovery }));
}

export function parseVerifiableAddresses(list: unknown[], now: Date): VerifiableAddress[] {
  return list.map((raw) => {
    const a = requireObject(raw, 'verifiable_addresses entries must be objects');
    if (typeof a.value !== 'string' || (a.via !== 'email' && a.via !== 'sms')) throw badRequest('verifiable_addresses entries need "value" and "via" (email or sms)');
    const value = a.value.toLowerCase();
    const verified = a.verified === true;
    const verifiedAt = typeof a.verified_at === 'string' && !Number.isNaN(Date.parse(a.verified_at)) ? new Date(a.verified_at) : verified ? now : null;
    return {
      id: typeof a.id === 'string' && a.id !== '' ? a.id : crypto.randomUUID(),
      value,
      verified,
      via: a.via,
      status: a.status === 'sent' || a.status === 'completed' || a.status === 'pending' ? a.status : verified ? 'completed' : 'pending',
      verifiedAt: verified ? verifiedAt : null,
      createdAt: dateOr(a.created_at, now),
      updatedAt: dateOr(a.updated_at, now),
    };
  });
}

export function parseRecoveryAddresses(list: unknown[], now: Date): RecoveryAddress[] {
  return list.map((raw) => {
    const a = requireObject(raw, 'recovery_addresses entries must be objects');
    if (typeof a.value !== 'string' || (a.via !== 'email' && a.via !== 'sms')) throw badRequest('recovery_addresses entries need "value" and "via" (email or sms)');
    return {
      id: typeof a.id === 'string' && a.id !== '' ? a.id : crypto.randomUUID(),
      value: a.value.toLowerCase(),
      via: a.via,
      createdAt: dateOr(a.created_at, now),
      updatedAt: dateOr(a.updated_at, now),
    };
  });
}

function dateOr(raw: unknown, fallback: Date): Date {
  return typeof raw === 'string' && !Number.isNaN(Date.parse(raw)) ? new Date(raw) : fallback;
}
