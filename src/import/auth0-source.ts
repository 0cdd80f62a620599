import type { IdentitySchema } from '../identity/identity-schemas.js';
import { InvalidRecordError, type ImportCandidate } from './import-candidate.js';
import { asDate, asRecord, asString, fitTraits, requireRecord } from './source-fields.js';

/**
 * An Auth0 user, from a user export job (`user_id`, profile fields, `app_metadata`, `user_metadata`, login
 * statistics), from the password hash export Auth0 support hands out (`_id.$oid`, `email`, `passwordHash`), or in
 * Auth0's bulk-import shape (`custom_password_hash.hash.value`). `user_id` (`auth0|<id>`) becomes the external id,
 * so tokenizer templates with `subject_source: external_id` keep issuing the subjects Auth0 issued.
 */
export function auth0Candidate(raw: unknown, schema: IdentitySchema): ImportCandidate {
  const record = requireRecord(raw);
  const email = asString(record.email);
  const externalId = asString(record.user_id) ?? auth0IdFromMongoId(record._id);
  const label = email ?? externalId ?? 'user';
  const traits = fitTraits(schema, {
    email,
    username: asString(record.username),
    phone_number: asString(record.phone_number),
    name: asString(record.name),
    given_name: asString(record.given_name),
    family_name: asString(record.family_name),
    nickname: asString(record.nickname),
    picture: asString(record.picture),
  });
  const body: Record<string, unknown> = { schema_id: schema.id, traits, state: record.blocked === true ? 'inactive' : 'active' };
  if (externalId) body.external_id = externalId;
  if (email) body.verifiable_addresses = [{ value: email, via: 'email', verified: record.email_verified === true, status: record.email_verified === true ? 'completed' : 'pending' }];
  if (asRecord(record.user_metadata)) body.metadata_public = record.user_metadata;
  if (asRecord(record.app_metadata)) body.metadata_admin = record.app_metadata;
  const hash = asString(record.passwordHash) ?? asString(asRecord(asRecord(record.custom_password_hash)?.hash)?.value);
  if (hash) body.credentials = { password: { config: { hashed_password: hash } } };
  if (!email && !asString(record.username) && !asString(record.phone_number)) throw new InvalidRecordError('the user has no email, username or phone number');
  const loginsCount = typeof record.logins_count === 'number' && Number.isInteger(record.logins_count) && record.logins_count >= 0 ? record.logins_count : undefined;
  return {
    kind: 'identity',
    label,
    body,
    extras: { createdAt: asDate(record.created_at) ?? asDate(record.password_set_date), loginsCount, lastLoginAt: asDate(record.last_login) ?? null },
  };
}

/** Auth0's database users are `auth0|<mongo object id>`; its hash export carries only the object id. */
function auth0IdFromMongoId(value: unknown): string | undefined {
  const id = asString(asRecord(value)?.$oid) ?? asString(value);
  return id ? `auth0|${id}` : undefined;
}
