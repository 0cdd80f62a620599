import type { Deps } from '../deps.js';
import { newIdentity, passwordIdentifiers } from '../identity/new-identity.js';
import { normalizeIdentifier } from '../identity/normalize-identifier.js';
import type { Credential, Identity, JsonObject } from '../store/types.js';
import { newOidcCredential, type OidcProviderLink } from './oidc-credential.js';

/**
 * Everything a new identity registered through an upstream provider is made of, as plain JSON: an API flow keeps
 * it in its token exchange until the app redeems (upstream-registration.ts says why), and the identity is then
 * built from it exactly as a browser flow builds it at the callback.
 */
export interface UpstreamRegistration {
  schema_id: string;
  traits: JsonObject;
  /** Present only when the mapper set the key (metadata comes from the mapper alone). */
  metadata_public?: JsonObject;
  metadata_admin?: JsonObject;
  verified_addresses: Array<{ value: string; via: 'email' }>;
  link: OidcProviderLink;
}

/**
 * The identity with its `oidc` credential. Trait identifiers (the email) also become `password` identifiers
 * without a password, as Kratos's schema extension makes them: that is what detects an existing account with the
 * same email, which leads to account linking instead of a second account. A password sign-in to this identity
 * fails like a wrong password would.
 */
export function upstreamIdentity(deps: Deps, registration: UpstreamRegistration, now: Date): Identity {
  const schema = deps.schemas.get(registration.schema_id) ?? deps.schemas.getDefault();
  const identifiers = passwordIdentifiers(schema, registration.traits);
  const credentials: Credential[] = [newOidcCredential(registration.link, now)];
  if (identifiers.length > 0) credentials.push({ type: 'password', identifiers, config: {}, version: 0, createdAt: now, updatedAt: now });
  const identity = newIdentity({ schema, traits: registration.traits, now, metadataPublic: registration.metadata_public, metadataAdmin: registration.metadata_admin, credentials });
  // `verified_addresses` from the mapper count only for addresses the schema made verifiable.
  for (const verified of registration.verified_addresses) {
    const value = normalizeIdentifier(verified.value);
    const address = identity.verifiableAddresses.find((a) => a.via === verified.via && a.value === value);
    if (!address) continue;
    address.verified = true;
    address.status = 'completed';
    address.verifiedAt = now;
  }
  return identity;
}

/** The password identifiers a new upstream identity would take (and collide on). */
export function passwordIdentifiersOf(identity: Identity): string[] {
  return identity.credentials?.find((c) => c.type === 'password')?.identifiers ?? [];
}
