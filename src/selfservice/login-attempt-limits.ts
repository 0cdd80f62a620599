import type { Deps } from '../deps.js';
import { blockKey, countHit, identifierDigest, ipRateLimitSubject, retryAfterSeconds, type LimitedKey } from './rate-limits.js';

/** What a login does with its counted attempt once the password check has settled it. */
export interface CountedLoginAttempt {
  /**
   * Takes the attempt back: the password was right (a success is not a failure), or no password was checked
   * at all (the hashing queue was full). Only failed attempts, and attempts still being checked, stay counted.
   */
  refund(): Promise<void>;
}

const NOTHING_COUNTED: CountedLoginAttempt = { refund: async () => undefined };

/**
 * Brute-force limits for one login attempt on one identifier (already normalized), before the account lookup and
 * the password check. They are built so that guessing is slowed down without ever locking the owner out:
 *
 * 1. Per (identifier, client address), `login.per_identifier_and_ip`: an address gets `limit` unsettled attempts
 *    (failed, or still being checked) on one identifier per window. This is the limit an attacker meets; the
 *    owner, on another address, never shares its counter (Auth0 blocks the same pair:
 *    https://auth0.com/docs/secure/attack-protection/brute-force-protection).
 * 2. Per identifier, `login.per_identifier`: unsettled attempts from all addresses together. Over it the account
 *    is under attack, and from then on an attempt passes only from an address that has no unsettled attempt of
 *    its own on this identifier. The owner, coming from anywhere without failures there, always gets to try the
 *    right password; every attacking address is down to its first guess per window. What a botnet of N fresh
 *    addresses gains per window is therefore `per_identifier.limit + N` guesses, where without the per-identifier
 *    limit it would be `N * per_identifier_and_ip.limit` (docs/security.md weighs this).
 *
 * Both counters are hit before the password check (counting in-flight attempts is what stops a burst of
 * concurrent guesses from one address), and a success refunds both. Whether the account exists changes nothing
 * here: an unknown identifier is counted, limited and answered the same way. Requests without a known client
 * address share one address, "unknown".
 */
export async function countLoginAttempt(deps: Deps, identifier: string, ip: string | null): Promise<CountedLoginAttempt> {
  const limits = deps.config.tessera.rate_limits;
  if (!limits.enabled) return NOTHING_COUNTED;
  const digest = identifierDigest(identifier);
  const address = ip === null || ip === '' ? 'unknown' : ipRateLimitSubject(ip);
  const pair: LimitedKey = {
    key: `login:pair:${digest}:${address}`,
    rule: limits.login.per_identifier_and_ip,
    reason: (seconds) => `Too many failed login attempts for this identifier from this network address. Retry in ${seconds} seconds.`,
    log: { action: 'login', scope: 'identifier_and_ip', ...(ip ? { client_ip: ip } : {}) },
  };
  const identifierRule = limits.login.per_identifier;
  const identifierKey = `login:identifier:${digest}`;

  const hitAt = deps.now();
  const pairCount = await countHit(deps, pair);
  const identifierCount = await deps.store.hitRateLimit(identifierKey, identifierRule.window, hitAt);
  if (identifierCount > identifierRule.limit && pairCount > 1) {
    // The account is under attack and this address has tried it already: it may try again once its own earlier
    // attempts have left the pair's window, i.e. when its pair count is back to this attempt alone.
    const seconds = retryAfterSeconds(hitAt.getTime(), { limit: 1, window: pair.rule.window }, pairCount);
    throw blockKey(deps, { ...pair, log: { ...pair.log, scope: 'identifier' } }, hitAt, seconds);
  }
  return {
    refund: async () => {
      await deps.store.refundRateLimit(pair.key, pair.rule.window, hitAt);
      await deps.store.refundRateLimit(identifierKey, identifierRule.window, hitAt);
    },
  };
}
