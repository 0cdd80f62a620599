import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Compares a presented secret with the expected one in constant time. Both are hashed first, so the comparison
 * takes the same time whatever the presented value's length, and timingSafeEqual never sees unequal lengths.
 */
export function secretMatcher(expected: string): (presented: string) => boolean {
  const expectedDigest = digest(expected);
  return (presented) => timingSafeEqual(digest(presented), expectedDigest);
}

/** The token of an `Authorization: Bearer <token>` header ('' when there is none). */
export function bearerTokenOf(header: string | undefined): string {
  const value = header ?? '';
  return value.toLowerCase().startsWith('bearer ') ? value.slice(7).trim() : '';
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
