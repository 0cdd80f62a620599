import { randomUUID } from 'node:crypto';
import type { TokenizerTemplateConfig } from '../config/types.js';
import { badRequest } from '../errors/kratos-error.js';
import type { ClaimsMapper, SessionDocument } from './claims-mapper.js';

/** What the claims need to know about the session, whether it comes from the store or from a JSON file. */
export interface TokenSubject {
  sessionId: string;
  identityId: string;
  externalId: string | null;
}

export interface ClaimsInput {
  template: TokenizerTemplateConfig;
  subject: TokenSubject;
  /** The session exactly as whoami serializes it (no credentials, no metadata_admin): the mapper's `session`. */
  sessionJson: SessionDocument;
  /** `serve.public.base_url`, verbatim (trailing slash kept), as Kratos does. */
  issuer: string;
  now: Date;
}

/**
 * The payload of a tokenized session, built exactly as Kratos's TokenizeSession does
 * (https://github.com/ory/kratos/blob/master/session/tokenizer.go): default claims, then the mapper's `claims` merged over them key by key, then `sub` set again so that no mapper
 * can change the subject. Returns a null-prototype object so that a mapper key such as `__proto__` stays data.
 */
export async function buildTokenClaims(input: ClaimsInput, mapper: ClaimsMapper | null): Promise<Record<string, unknown>> {
  const { template, subject, issuer, now } = input;
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const claims: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  claims.jti = randomUUID();
  claims.iss = issuer;
  // Integer seconds: PostgREST turns a fractional exp into 0, i.e. "JWT expired"
  // (https://github.com/PostgREST/postgrest/blob/main/src/PostgREST/Auth/Jwt.hs).
  claims.exp = Math.floor((now.getTime() + template.ttl) / 1000);
  claims.sid = subject.sessionId;
  claims.nbf = nowSeconds;
  claims.iat = nowSeconds;
  claims.sub = subjectClaim(template, subject);

  if (template.claims_mapper_url !== undefined) {
    if (!mapper) throw new Error(`template "${template.name}" has a claims mapper but no mapper engine was started`);
    const mapped = mapper.memoized?.(template.name, input.sessionJson, claims) ?? (await mapper.map(template.name, input.sessionJson, { ...claims }));
    for (const key in mapped) claims[key] = mapped[key];
    claims.sub = subjectClaim(template, subject);
  }
  return claims;
}

/** Kratos's SetSubjectClaim (https://github.com/ory/kratos/blob/master/session/tokenizer.go). */
export function subjectClaim(template: TokenizerTemplateConfig, subject: TokenSubject): string {
  if (template.subject_source === 'external_id') {
    if (!subject.externalId) throw badRequest('The session\'s identity does not have an external ID set, but it is required for the subject claim.');
    return subject.externalId;
  }
  return subject.identityId;
}
