import type { IdentitySchema } from '../identity/identity-schemas.js';
import { traitValue } from '../identity/identity-schemas.js';
import type { Identity } from '../identity/identity.js';

/** A user as Auth0's Management API v2 lists it, limited to the members `auth0_fdw` maps to columns. */
export interface Auth0User {
  user_id: string;
  email: string | null;
  email_verified: boolean;
  username?: string;
  phone_number?: string;
  name?: string;
  given_name?: string;
  family_name?: string;
  created_at: string;
  updated_at: string;
  identities: Auth0UserIdentity[];
  app_metadata: unknown;
  user_metadata: unknown;
  last_login: string | null;
  logins_count: number;
  blocked: boolean;
}

export interface Auth0UserIdentity {
  provider: string;
  user_id: string;
  connection: string;
  isSocial: boolean;
}

const I32_MAX = 2_147_483_647;

/**
 * Maps an identity to an Auth0 user. `user_id` is the identity id, the JWT `sub` of the default tokenizer
 * templates, so foreign tables join directly against application rows keyed by it. `identities` is always an
 * array because auth0_fdw fails on a selected column whose member is absent. Metadata maps Kratos's admin-only
 * metadata to `app_metadata` and the user-visible one to `user_metadata`; both default to `{}`.
 */
export function toAuth0User(identity: Identity, schema: IdentitySchema | undefined): Auth0User {
  const email = stringTrait(identity, schema, (f) => f.format === 'email', 'email');
  const verified = email !== null && identity.verifiableAddresses.some((a) => a.via === 'email' && a.value === email.trim().toLowerCase() && a.verified);
  const user: Auth0User = {
    user_id: identity.id,
    email,
    email_verified: verified,
    created_at: identity.createdAt.toISOString(),
    updated_at: identity.updatedAt.toISOString(),
    identities: identitiesOf(identity),
    app_metadata: objectOr(identity.metadataAdmin),
    user_metadata: objectOr(identity.metadataPublic),
    last_login: identity.lastLoginAt ? identity.lastLoginAt.toISOString() : null,
    logins_count: Math.min(identity.loginsCount, I32_MAX),
    blocked: identity.state !== 'active',
  };
  const username = stringTrait(identity, schema, (f) => f.path === 'username', 'username');
  if (username !== null) user.username = username;
  const phone = stringTrait(identity, schema, (f) => f.format === 'tel', 'phone_number');
  if (phone !== null) user.phone_number = phone;
  const name = traitValue(identity.traits, 'name');
  if (typeof name === 'string') user.name = name;
  else if (name && typeof name === 'object') {
    const { first, last } = name as Record<string, unknown>;
    if (typeof first === 'string') user.given_name = first;
    if (typeof last === 'string') user.family_name = last;
    const full = [first, last].filter((part): part is string => typeof part === 'string' && part !== '').join(' ');
    if (full) user.name = full;
  }
  return user;
}

function identitiesOf(identity: Identity): Auth0UserIdentity[] {
  const result: Auth0UserIdentity[] = [];
  for (const credential of identity.credentials ?? []) {
    if (credential.type === 'password') {
      result.push({ provider: 'tessera', user_id: identity.id, connection: 'password', isSocial: false });
    } else if (credential.type === 'oidc') {
      const providers = Array.isArray(credential.config.providers) ? (credential.config.providers as Array<Record<string, unknown>>) : [];
      for (const p of providers) {
        if (typeof p.provider === 'string' && typeof p.subject === 'string') result.push({ provider: p.provider, user_id: p.subject, connection: p.provider, isSocial: true });
      }
    }
  }
  return result;
}

/** The first string trait the schema marks as wanted, falling back to a top-level trait of the usual name. */
function stringTrait(identity: Identity, schema: IdentitySchema | undefined, wanted: (field: IdentitySchema['fields'][number]) => boolean, fallback: string): string | null {
  for (const field of schema?.fields ?? []) {
    if (!wanted(field)) continue;
    const value = traitValue(identity.traits, field.path);
    if (typeof value === 'string' && value !== '') return value;
  }
  const value = identity.traits[fallback];
  return typeof value === 'string' && value !== '' ? value : null;
}

function objectOr(value: unknown): unknown {
  return value === null || value === undefined ? {} : value;
}
