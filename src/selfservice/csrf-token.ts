import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Anti-CSRF tokens as nosurf (Kratos's library) makes them. The browser keeps the real token, 32 random bytes,
 * in an HttpOnly cookie; forms carry it masked with a fresh one-time pad: base64(pad || pad XOR token). A new
 * mask on every render means no response ever repeats the secret's bytes, which defeats BREACH-style
 * compression oracles, while any masked copy still unmasks to the same cookie value.
 */
const TOKEN_BYTES = 32;

export function generateCsrfToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64');
}

export function maskCsrfToken(realToken: string): string {
  const real = Buffer.from(realToken, 'base64');
  const pad = randomBytes(TOKEN_BYTES);
  const masked = Buffer.alloc(TOKEN_BYTES * 2);
  pad.copy(masked, 0);
  for (let i = 0; i < TOKEN_BYTES; i++) masked[TOKEN_BYTES + i] = (pad[i] as number) ^ (real[i] ?? 0);
  return masked.toString('base64');
}

/** True when `maskedToken` unmasks to `realToken`. Malformed input of any kind is simply false. */
export function csrfTokenMatches(realToken: string | null, maskedToken: unknown): boolean {
  if (!realToken || typeof maskedToken !== 'string' || maskedToken.length > 256) return false;
  const real = Buffer.from(realToken, 'base64');
  const masked = Buffer.from(maskedToken, 'base64');
  if (real.length !== TOKEN_BYTES || masked.length !== TOKEN_BYTES * 2) return false;
  const unmasked = Buffer.alloc(TOKEN_BYTES);
  for (let i = 0; i < TOKEN_BYTES; i++) unmasked[i] = (masked[i] as number) ^ (masked[TOKEN_BYTES + i] as number);
  return timingSafeEqual(unmasked, real);
}

/** A cookie value is only ever used if it has the shape we issue; anything else counts as no cookie. */
export function isWellFormedCsrfToken(value: string | null): value is string {
  return value !== null && value.length <= 64 && Buffer.from(value, 'base64').length === TOKEN_BYTES;
}

/** Kratos's cookie name: one per public base URL, so several deployments on one domain do not collide. */
export function csrfCookieName(publicBaseUrl: string): string {
  return `csrf_token_${createHash('sha256').update(publicBaseUrl).digest('hex')}`;
}
