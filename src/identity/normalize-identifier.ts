import { CREDENTIAL_TYPES, type CredentialIdentifier, type CredentialType } from '../store/types.js';

/**
 * Identifier normalization as Kratos does it (x.GracefulNormalization): trim, Unicode NFKC, lower case. Applied
 * at registration, at login and on import, so `Alice@Example.COM ` and `alice@example.com` are one account.
 */
export function normalizeIdentifier(value: string): string {
  return value.trim().normalize('NFKC').toLowerCase();
}

/**
 * How an identifier of each credential type is stored, hence how a lookup must spell it: password identifiers
 * (addresses, usernames) are normalized; an `oidc` identifier is `<provider>:<subject>` and the subject is the
 * provider's opaque, case-sensitive account id (OpenID Connect Core §5.7), so it is matched exactly.
 */
export function storedIdentifier(type: CredentialType, value: string): string {
  switch (type) {
    case 'password':
      return normalizeIdentifier(value);
    case 'oidc':
      return value;
  }
}

/** The identifier a caller typed, as each credential type stores it: one candidate per type. */
export function storedIdentifierCandidates(value: string): CredentialIdentifier[] {
  return CREDENTIAL_TYPES.map((type) => ({ type, identifier: storedIdentifier(type, value) }));
}
