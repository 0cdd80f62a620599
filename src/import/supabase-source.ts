import type { IdentitySchema } from '../identity/identity-schemas.js';
import type { ImportCandidate } from './import-candidate.js';
import { asDate, asRecord, asString, fitTraits, requireRecord } from './source-fields.js';
import { isUuid } from '../text/uuid.js';

/**
 * A row of Supabase's (GoTrue's) `auth.users` as JSON (`row_to_json` or `json_agg`). The identity keeps the row's
 * id, which is the `sub` Supabase put into its JWTs and what `auth.uid()` returned, so row-level security
 * policies and foreign keys keep working. `encrypted_password` is bcrypt. Deleted and anonymous users are
 * skipped; a ban that has not ended makes the identity inactive.
 */
export function supabaseCandidate(raw: unknown, schema: IdentitySchema, now: Date): ImportCandidate {
  const row = requireRecord(raw);
  const id = asString(row.id);
  const email = asString(row.email);
  const label = email ?? asString(row.phone) ?? id ?? 'user';
  if (row.deleted_at !== null && row.deleted_at !== undefined) return { kind: 'skip', label, reason: 'deleted in Supabase' };
  if (row.is_anonymous === true) return { kind: 'skip', label, reason: 'anonymous Supabase user' };
  const meta = asRecord(row.raw_user_meta_data) ?? {};
  const traits = fitTraits(schema, {
    email,
    phone_number: asString(row.phone),
    name: asString(meta.full_name) ?? asString(meta.name),
    username: asString(meta.user_name) ?? asString(meta.preferred_username),
    picture: asString(meta.avatar_url) ?? asString(meta.picture),
  });
  const bannedUntil = asDate(row.banned_until);
  const body: Record<string, unknown> = { schema_id: schema.id, traits, state: bannedUntil && bannedUntil > now ? 'inactive' : 'active' };
  const confirmedAt = asDate(row.email_confirmed_at) ?? asDate(row.confirmed_at);
  if (email) body.verifiable_addresses = [{ value: email, via: 'email', verified: confirmedAt !== undefined, status: confirmedAt ? 'completed' : 'pending', ...(confirmedAt ? { verified_at: confirmedAt.toISOString() } : {}) }];
  if (Object.keys(meta).length > 0) body.metadata_public = meta;
  if (asRecord(row.raw_app_meta_data)) body.metadata_admin = row.raw_app_meta_data;
  const hash = asString(row.encrypted_password);
  if (hash) body.credentials = { password: { config: { hashed_password: hash } } };
  return {
    kind: 'identity',
    label,
    body,
    extras: { id: id && isUuid(id) ? id.toLowerCase() : undefined, createdAt: asDate(row.created_at), lastLoginAt: asDate(row.last_sign_in_at) ?? null },
  };
}
