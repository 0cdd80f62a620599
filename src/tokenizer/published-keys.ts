import type { Config } from '../config/types.js';
import type { PublishedKeys } from '../deps.js';
import { TesseraError } from '../errors/tessera-error.js';
import { PRIVATE_MEMBERS, samePublicKey, type KeySet, type PublicJwk } from './key-set.js';
import { SIGNING_ALGORITHMS } from './signing-algorithms.js';

/** Raised when the set to publish breaks a rule; start-up names the template and stops. */
export class UnpublishableKeyError extends TesseraError {
  static override readonly code = 'ERR_KEY_UNPUBLISHABLE';
  override readonly code = UnpublishableKeyError.code;
  constructor(
    readonly template: string,
    message: string,
  ) {
    super(message);
  }
}

/** `Cache-Control: max-age` of the JWKS, from `tessera.jwks.max_age`. */
export function jwksMaxAgeSeconds(config: Config): number {
  return Math.floor(config.tessera.jwks.max_age / 1000);
}

/** Members a published key may have. Anything else (x5c, x5t, key_ops, ...) can break a consumer's parser. */
const PUBLISHABLE_MEMBERS = new Set(['kty', 'crv', 'x', 'y', 'n', 'e', 'kid', 'alg', 'use']);

/**
 * The one public JWK Set of every template, deduplicated by kid and serialized once. Hasura parses the whole set
 * or nothing (hs-jose) and PostgREST silently falls back to reading it as an HMAC secret when it does not parse
 * (parseSecret in https://github.com/PostgREST/postgrest/blob/main/src/PostgREST/Config.hs), so each key is checked against the strictest rules before anything is served.
 */
export function publishKeys(keySets: ReadonlyArray<{ template: string; keySet: KeySet }>, maxAgeSeconds: number): PublishedKeys & { jwks: { keys: PublicJwk[] } } {
  const keys: PublicJwk[] = [];
  const owners = new Map<string, string>();
  for (const { template, keySet } of keySets) {
    for (const { publicJwk } of keySet.keys) {
      assertPublishable(template, publicJwk);
      const existing = keys.find((k) => k.kid === publicJwk.kid);
      if (!existing) {
        keys.push(publicJwk);
        owners.set(publicJwk.kid, template);
      } else if (!samePublicKey(existing, publicJwk)) {
        // A consumer picks the key by kid (PostgREST >= 13), so two keys under one kid would verify wrongly.
        throw new UnpublishableKeyError(template, `kid "${publicJwk.kid}" is used by template "${owners.get(publicJwk.kid)}" for a different key`);
      }
    }
  }
  const jwks = { keys };
  return { jwks, jwksBody: JSON.stringify(jwks), maxAgeSeconds };
}

/** The last line of defence: what is about to be published holds public members of a known algorithm only. */
export function assertPublishable(template: string, key: object): void {
  const jwk = key as Readonly<Record<string, unknown>>;
  for (const member of PRIVATE_MEMBERS) {
    if (member in jwk) throw new UnpublishableKeyError(template, `refusing to publish private key material ("${member}") of kid "${String(jwk.kid)}"`);
  }
  for (const member of Object.keys(jwk)) {
    if (!PUBLISHABLE_MEMBERS.has(member)) throw new UnpublishableKeyError(template, `refusing to publish member "${member}" of kid "${String(jwk.kid)}" (consumers reject keys whose ${member} they cannot check)`);
  }
  const descriptor = typeof jwk.alg === 'string' ? SIGNING_ALGORITHMS.get(jwk.alg) : undefined;
  if (!descriptor) throw new UnpublishableKeyError(template, `refusing to publish kid "${String(jwk.kid)}" with alg "${String(jwk.alg)}", which PostgREST and Hasura do not accept`);
  if (jwk.kty !== descriptor.kty || (descriptor.crv !== undefined && jwk.crv !== descriptor.crv)) {
    throw new UnpublishableKeyError(template, `refusing to publish kid "${String(jwk.kid)}": alg ${descriptor.alg} does not match kty "${String(jwk.kty)}" / crv "${String(jwk.crv)}"`);
  }
  if (jwk.use !== 'sig') throw new UnpublishableKeyError(template, `refusing to publish kid "${String(jwk.kid)}" without "use": "sig"`);
  if (typeof jwk.kid !== 'string' || jwk.kid === '') throw new UnpublishableKeyError(template, 'refusing to publish a key without a kid');
}
