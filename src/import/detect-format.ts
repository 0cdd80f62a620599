import type { ImportFormat } from './import-candidate.js';
import { asRecord } from './source-fields.js';

/** Recognizes an export by the members only its source writes; null when the record fits none. */
export function detectFormat(record: unknown): ImportFormat | null {
  const r = asRecord(record);
  if (!r) return null;
  if ('traits' in r || 'schema_id' in r) return 'kratos';
  if ('encrypted_password' in r || 'raw_user_meta_data' in r || 'raw_app_meta_data' in r || ('aud' in r && 'instance_id' in r)) return 'supabase';
  if ('user_id' in r || '_id' in r || 'passwordHash' in r || 'custom_password_hash' in r || 'email' in r) return 'auth0';
  return null;
}
