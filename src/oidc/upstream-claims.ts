/**
 * The `claims` ext var of the data mapper, built exactly as Kratos builds its `Claims` struct
 * (selfservice/strategy/oidc/provider.go): a fixed set of well-known claims, every one `omitempty` (an empty
 * string, `false` or 0 is ABSENT, not null), plus `raw_claims` with everything the provider said.
 * Mappers therefore write `local claims = {email_verified: false} + std.extVar('claims');`.
 */
export type UpstreamClaims = Record<string, unknown>;

const STRING_CLAIMS = [
  'iss',
  'sub',
  'oid',
  'name',
  'given_name',
  'family_name',
  'last_name',
  'middle_name',
  'nickname',
  'preferred_username',
  'profile',
  'picture',
  'website',
  'email',
] as const;
const LATER_STRING_CLAIMS = ['gender', 'birthdate', 'zoneinfo', 'locale', 'phone_number'] as const;

/**
 * From a verified ID token's payload or a userinfo response. Values of the wrong type are dropped rather than
 * failing the sign-in (Go's decoder would fail the whole struct); booleans sent as "true" (Apple) count as true,
 * and an `updated_at` sent as a date string (Auth0) becomes epoch seconds, as Kratos's workaround does.
 */
export function claimsFromOpenIdConnect(raw: Record<string, unknown>, options: { rawClaims: boolean }): UpstreamClaims {
  const claims: UpstreamClaims = {};
  for (const name of STRING_CLAIMS) putString(claims, name, raw[name]);
  putBoolean(claims, 'email_verified', raw.email_verified);
  for (const name of LATER_STRING_CLAIMS) putString(claims, name, raw[name]);
  putBoolean(claims, 'phone_number_verified', raw.phone_number_verified);
  const updatedAt = epochSeconds(raw.updated_at);
  if (updatedAt) claims.updated_at = updatedAt;
  putString(claims, 'hd', raw.hd);
  putString(claims, 'team', raw.team);
  putString(claims, 'nonce', raw.nonce);
  putBoolean(claims, 'nonce_supported', raw.nonce_supported);
  putString(claims, 'acr', raw.acr);
  if (Array.isArray(raw.amr)) {
    const amr = raw.amr.filter((v): v is string => typeof v === 'string');
    if (amr.length > 0) claims.amr = amr;
  }
  if (options.rawClaims && Object.keys(raw).length > 0) claims.raw_claims = raw;
  return claims;
}

export function putString(claims: UpstreamClaims, name: string, value: unknown): void {
  if (typeof value === 'string' && value !== '') claims[name] = value;
}

export function putBoolean(claims: UpstreamClaims, name: string, value: unknown): void {
  if (value === true || value === 'true') claims[name] = true;
}

function epochSeconds(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value) && value !== 0) return Math.trunc(value);
  if (typeof value === 'string' && value !== '') {
    const parsed = Date.parse(value);
    if (Number.isFinite(parsed)) return Math.floor(parsed / 1000);
  }
  return null;
}
