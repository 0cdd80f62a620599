/**
 * Hasura GraphQL Engine v2's JWT claim rules (consumers.md §2.3: processJwt_, parseHasuraClaims, hs-jose's
 * registered-claim checks), restated so that tests can hold tokens to them without running Hasura. Signature
 * checking is left to jose. Returns the session variables Hasura would use, or throws a HasuraRejection whose
 * `code` is the one Hasura answers with.
 */
export class HasuraRejection extends Error {
  constructor(
    readonly code: 'invalid-jwt' | 'jwt-invalid-claims' | 'jwt-missing-role-claims' | 'access-denied',
    message: string,
  ) {
    super(message);
  }
}

export interface HasuraJwtSettings {
  claimsNamespace?: string;
  issuer?: string;
  audience?: string;
  /** Seconds; Hasura's default is 0. */
  allowedSkew?: number;
  /** Value of an `X-Hasura-Role` request header, if any. */
  requestedRole?: string;
  now: Date;
}

export function checkHasuraClaims(claims: Record<string, unknown>, settings: HasuraJwtSettings): Record<string, string | string[]> {
  const now = settings.now.getTime() / 1000;
  const skew = settings.allowedSkew ?? 0;
  for (const name of ['exp', 'nbf', 'iat'] as const) {
    if (claims[name] !== undefined && typeof claims[name] !== 'number') throw new HasuraRejection('invalid-jwt', `Could not verify JWT: JWTClaimsSetDecodeError ${name}`);
  }
  if (typeof claims.exp === 'number' && !(now < claims.exp + skew)) throw new HasuraRejection('invalid-jwt', 'Could not verify JWT: JWTExpired');
  if (typeof claims.nbf === 'number' && !(now >= claims.nbf - skew)) throw new HasuraRejection('invalid-jwt', 'Could not verify JWT: JWTNotYetValid');
  if (typeof claims.iat === 'number' && claims.iat > now + skew) throw new HasuraRejection('invalid-jwt', 'Could not verify JWT: JWTIssuedAtFuture');
  // hs-jose StringOrURI: a string with ':' must be a URI.
  const audiences = Array.isArray(claims.aud) ? claims.aud : claims.aud === undefined ? [] : [claims.aud];
  for (const value of [claims.iss, claims.sub, ...audiences]) {
    if (typeof value === 'string' && value.includes(':') && !URL.canParse(value)) throw new HasuraRejection('invalid-jwt', `Could not verify JWT: JWTClaimsSetDecodeError "${value}" is not a URI`);
  }
  if (settings.issuer !== undefined && claims.iss !== undefined && claims.iss !== settings.issuer) throw new HasuraRejection('invalid-jwt', 'Could not verify JWT: JWTNotInIssuer');
  if (settings.audience !== undefined && claims.aud !== undefined && !audiences.includes(settings.audience)) throw new HasuraRejection('invalid-jwt', 'Could not verify JWT: JWTNotInAudience');

  const namespace = settings.claimsNamespace ?? 'https://hasura.io/jwt/claims';
  const hasuraClaims = claims[namespace];
  if (hasuraClaims === undefined) throw new HasuraRejection('jwt-invalid-claims', `claims key: '${namespace}' not found`);
  if (typeof hasuraClaims !== 'object' || hasuraClaims === null || Array.isArray(hasuraClaims)) {
    throw new HasuraRejection('jwt-invalid-claims', 'expecting a json object when claims_format is json');
  }
  const variables = new Map<string, unknown>();
  for (const [key, value] of Object.entries(hasuraClaims)) if (key.toLowerCase().startsWith('x-hasura-')) variables.set(key.toLowerCase(), value);

  const allowed = variables.get('x-hasura-allowed-roles');
  const defaultRole = variables.get('x-hasura-default-role');
  if (allowed === undefined) throw new HasuraRejection('jwt-missing-role-claims', 'JWT claim does not contain x-hasura-allowed-roles');
  if (defaultRole === undefined) throw new HasuraRejection('jwt-missing-role-claims', 'JWT claim does not contain x-hasura-default-role');
  if (!Array.isArray(allowed) || !allowed.every((role) => typeof role === 'string')) {
    throw new HasuraRejection('jwt-invalid-claims', 'invalid x-hasura-allowed-roles; should be a list of roles');
  }
  if (typeof defaultRole !== 'string') throw new HasuraRejection('jwt-invalid-claims', 'invalid x-hasura-default-role; should be a single role name');
  const role = settings.requestedRole ?? defaultRole;
  if (!allowed.includes(role)) throw new HasuraRejection('access-denied', 'Your requested role is not in allowed roles');

  const session: Record<string, string | string[]> = { 'x-hasura-role': role, 'x-hasura-allowed-roles': allowed as string[] };
  for (const [key, value] of variables) {
    if (key === 'x-hasura-allowed-roles' || key === 'x-hasura-default-role') continue;
    if (typeof value !== 'string') throw new HasuraRejection('jwt-invalid-claims', `x-hasura-* claims: ${key} must be a string`);
    session[key] = value;
  }
  return session;
}
