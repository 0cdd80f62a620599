import { randomUUID } from 'node:crypto';
import bcrypt from 'bcrypt';

/**
 * Export files shaped like the real ones: Auth0's password-hash export (NDJSON with `_id.$oid` and `passwordHash`)
 * and Supabase's `auth.users` rows (`json_agg`). bcrypt hashes are made with the real algorithm; many users share
 * one hash so that large fixtures stay cheap to build.
 */
export function bcryptHash(password: string, cost = 4): string {
  return bcrypt.hashSync(password, cost);
}

export function auth0HashExportLine(index: number, passwordHash: string, extra: Record<string, unknown> = {}): string {
  const oid = index.toString(16).padStart(24, '0');
  return JSON.stringify({
    _id: { $oid: oid },
    email_verified: index % 2 === 0,
    email: `auth0-user-${index}@example.org`,
    passwordHash,
    password_set_date: { $date: '2021-03-05T16:34:12.637Z' },
    tenant: 'dev-example',
    connection: 'Username-Password-Authentication',
    _tmp_is_unique: true,
    ...extra,
  });
}

export function auth0ExportLine(index: number, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    user_id: `auth0|${index.toString(16).padStart(24, '0')}`,
    email: `auth0-user-${index}@example.org`,
    email_verified: true,
    name: `Auth0 User ${index}`,
    created_at: '2020-01-02T03:04:05.678Z',
    updated_at: '2021-01-02T03:04:05.678Z',
    last_login: '2022-01-02T03:04:05.678Z',
    logins_count: 17,
    app_metadata: { roles: ['member'] },
    user_metadata: { theme: 'dark' },
    ...extra,
  });
}

export function supabaseUserRow(email: string, encryptedPassword: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    instance_id: '00000000-0000-0000-0000-000000000000',
    id: randomUUID(),
    aud: 'authenticated',
    role: 'authenticated',
    email,
    encrypted_password: encryptedPassword,
    email_confirmed_at: '2023-05-16T07:41:08.028491+00:00',
    last_sign_in_at: '2024-02-01T10:00:00.123456+00:00',
    raw_app_meta_data: { provider: 'email', providers: ['email'] },
    raw_user_meta_data: { full_name: 'Supa User' },
    created_at: '2023-05-16T07:41:08.028491+00:00',
    updated_at: '2024-02-01T10:00:00.123456+00:00',
    phone: null,
    banned_until: null,
    deleted_at: null,
    is_anonymous: false,
    is_sso_user: false,
    ...extra,
  };
}
