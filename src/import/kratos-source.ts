import type { ImportCandidate } from './import-candidate.js';
import { asDate, asRecord, asString, requireRecord } from './source-fields.js';
import { isUuid } from '../text/uuid.js';

const BODY_FIELDS = ['schema_id', 'traits', 'state', 'metadata_public', 'metadata_admin', 'verifiable_addresses', 'recovery_addresses', 'external_id'] as const;

/**
 * A Kratos identity, either as Kratos exports it (`GET /admin/identities?include_credential=password&include_credential=oidc`:
 * ids, `credentials.password.config.hashed_password`, verified addresses) or as a createIdentityBody (with a
 * plaintext `password` or a `hashed_password`). The identity keeps its id, so sessions' subjects and foreign keys
 * stay valid. Credential types Tessera does not have (totp, webauthn, ...) are left out.
 */
export function kratosCandidate(raw: unknown): ImportCandidate {
  const record = requireRecord(raw);
  const body: Record<string, unknown> = {};
  for (const field of BODY_FIELDS) if (record[field] !== undefined && record[field] !== null) body[field] = record[field];
  const credentials = asRecord(record.credentials);
  const imported: Record<string, unknown> = {};
  const passwordConfig = asRecord(asRecord(credentials?.password)?.config);
  if (passwordConfig && (asString(passwordConfig.hashed_password) || asString(passwordConfig.password))) {
    imported.password = { config: asString(passwordConfig.password) ? { password: passwordConfig.password } : { hashed_password: passwordConfig.hashed_password } };
  }
  const providers = asRecord(asRecord(credentials?.oidc)?.config)?.providers;
  if (Array.isArray(providers) && providers.length > 0) imported.oidc = { config: { providers } };
  if (Object.keys(imported).length > 0) body.credentials = imported;
  const traits = asRecord(record.traits);
  const id = asString(record.id);
  return {
    kind: 'identity',
    label: id ?? asString(traits?.email) ?? asString(traits?.username) ?? 'identity',
    body,
    extras: { id: id && isUuid(id) ? id.toLowerCase() : undefined, createdAt: asDate(record.created_at) },
  };
}
