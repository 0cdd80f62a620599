/**
 * Freezes a value and everything reachable from it. Used for cached values that many requests share: a caller
 * that tried to change one would otherwise change it for everyone; frozen, the attempt throws in strict code.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const member of Object.values(value)) deepFreeze(member);
  }
  return value;
}
