/**
 * Identifier normalization as Kratos does it (x.GracefulNormalization): trim, Unicode NFKC, lower case. Applied
 * at registration, at login and on import, so `Alice@Example.COM ` and `alice@example.com` are one account.
 */
export function normalizeIdentifier(value: string): string {
  return value.trim().normalize('NFKC').toLowerCase();
}
