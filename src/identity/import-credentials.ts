import { badRequest } from '../errors/kratos-error.js';
import type { Credential } from './identity.js';
import type { IdentityBuildDeps } from './identity-build-deps.js';
import { requireObject } from './json-body-fields.js';
import { passwordCredential } from './new-identity.js';

const UNKNOWN_FORMAT = 'The imported password does not match any known hash format.';
const OUT_OF_BOUNDS =
  'The imported password hash declares cost parameters that exceed the bounds enforced by Ory. Re-hash the password with a more conservative configuration before importing.';
const UNPARSEABLE = 'The imported password hash could not be parsed.';

/**
 * Kratos's `identityWithCredentials` (identity/handler_import.go) for the credential types Tessera has:
 * `password` (plaintext, hashed with the configured argon2id and deliberately not checked against the password
 * policy, or an existing hash in a format Tessera verifies) and `oidc` (links to upstream accounts). Password
 * identifiers are left empty here: they are derived from the traits when the identity is assembled.
 */
export async function credentialsFromImportBody(deps: IdentityBuildDeps, raw: unknown, now: Date, existing: readonly Credential[] = []): Promise<Credential[]> {
  if (raw === undefined || raw === null) return [...existing];
  const body = requireObject(raw, 'credentials must be a JSON object');
  const result = existing.filter((c) => !(c.type === 'password' && body.password !== undefined && body.password !== null));
  for (const [type, value] of Object.entries(body)) {
    if (value === null || value === undefined) continue;
    if (type === 'password') result.push(await importPassword(deps, value, now));
    else if (type === 'oidc') mergeOidc(result, value, now);
    else throw badRequest(`Importing credentials of type "${type}" is not supported.`);
  }
  return result;
}

async function importPassword(deps: IdentityBuildDeps, value: unknown, now: Date): Promise<Credential> {
  const config = requireObject(requireObject(value, 'credentials.password must be a JSON object').config ?? {}, 'credentials.password.config must be a JSON object');
  if (config.use_password_migration_hook === true) throw badRequest('The password migration hook is not supported by Tessera; import the password or its hash instead.');
  if (typeof config.password === 'string' && config.password.length > 0) {
    return passwordCredential([], await deps.hasher.hash(config.password), now);
  }
  const hashed = typeof config.hashed_password === 'string' ? config.hashed_password : '';
  assertImportableHash(deps, hashed);
  return passwordCredential([], hashed, now);
}

/** Throws Kratos's 400 for a hash that must not be stored. */
export function assertImportableHash(deps: IdentityBuildDeps, hashed: string): void {
  switch (deps.hasher.inspectImported(hashed)) {
    case 'ok':
      return;
    case 'out_of_bounds':
      throw badRequest(OUT_OF_BOUNDS);
    case 'unparseable':
      throw badRequest(UNPARSEABLE);
    case 'unknown':
      throw badRequest(UNKNOWN_FORMAT);
  }
}

/** OIDC links are added to those the identity has, keyed `provider:subject` as Kratos keys them. */
function mergeOidc(credentials: Credential[], value: unknown, now: Date): void {
  const config = requireObject(requireObject(value, 'credentials.oidc must be a JSON object').config ?? {}, 'credentials.oidc.config must be a JSON object');
  if (!Array.isArray(config.providers)) throw badRequest('credentials.oidc.config.providers must be an array');
  let credential = credentials.find((c) => c.type === 'oidc');
  if (!credential) {
    credential = { type: 'oidc', identifiers: [], config: { providers: [] }, version: 0, createdAt: now, updatedAt: now };
    credentials.push(credential);
  }
  const providers = Array.isArray(credential.config.providers) ? [...(credential.config.providers as unknown[])] : [];
  for (const raw of config.providers) {
    const entry = requireObject(raw, 'credentials.oidc.config.providers entries must be objects');
    if (typeof entry.provider !== 'string' || entry.provider === '' || typeof entry.subject !== 'string' || entry.subject === '') {
      throw badRequest('credentials.oidc.config.providers entries need "provider" and "subject"');
    }
    const identifier = `${entry.provider}:${entry.subject}`;
    if (credential.identifiers.includes(identifier)) continue;
    credential.identifiers.push(identifier);
    providers.push({ provider: entry.provider, subject: entry.subject, ...(entry.use_auto_link === true ? { use_auto_link: true } : {}) });
  }
  credential.config = { ...credential.config, providers };
  credential.updatedAt = now;
}
