import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import type { SlidingWindowLimit } from '../config/types.js';
import type { Deps } from '../deps.js';
import { KratosError } from '../errors/kratos-error.js';
import { bucketStartOf } from '../store/sliding-window.js';

/**
 * Brute-force limits for password submits (`tessera.rate_limits`). Every check is one counter write through
 * `Store.hitRateLimit`, so the counters live in the database and every instance on that database sees the same
 * numbers. The checks run before any password hashing: a limited request costs one write, never an argon2 run.
 *
 * Keys never hold a raw identifier (it may be a password typed into the wrong field): they hold the SHA-256 of
 * the normalized identifier. The limit and the answer are the same whether or not the account exists.
 */
export type RateLimitedAction = 'login' | 'registration';

type Scope = 'ip' | 'identifier';

/** Counts a submit from `ip`; throws a 429 when that address is over its limit. Unknown addresses are not limited. */
export async function enforceClientIpLimit(deps: Deps, action: RateLimitedAction, ip: string | null): Promise<void> {
  const limits = deps.config.tessera.rate_limits;
  if (!limits.enabled || ip === null || ip === '') return;
  const rule = limits[action].per_ip;
  const count = await deps.store.hitRateLimit(`${action}:ip:${ipRateLimitSubject(ip)}`, rule.window, deps.now());
  if (count > rule.limit) throw limited(deps, action, 'ip', rule, count, { client_ip: ip });
}

/**
 * Counts an attempt for each identifier (already normalized); throws a 429 when one is over its limit. Call it
 * right before the password work, after cheap validation, so that typos in a form do not use up attempts.
 */
export async function enforceIdentifierLimit(deps: Deps, action: RateLimitedAction, identifiers: readonly string[]): Promise<void> {
  const limits = deps.config.tessera.rate_limits;
  if (!limits.enabled) return;
  const rule = limits[action].per_identifier;
  let highest = 0;
  for (const identifier of new Set(identifiers)) {
    highest = Math.max(highest, await deps.store.hitRateLimit(`${action}:identifier:${identifierDigest(identifier)}`, rule.window, deps.now()));
  }
  if (highest > rule.limit) throw limited(deps, action, 'identifier', rule, highest, {});
}

export function identifierDigest(normalizedIdentifier: string): string {
  return createHash('sha256').update(normalizedIdentifier, 'utf8').digest('hex');
}

/**
 * The part of an address that one client controls: the address itself for IPv4, the /64 network for IPv6
 * (a single host usually gets a whole /64 and could otherwise rotate through it to dodge the limit).
 */
export function ipRateLimitSubject(ip: string): string {
  const address = ip.split('%')[0] ?? ip;
  if (address.toLowerCase().startsWith('::ffff:') && isIP(address.slice(7)) === 4) return address.slice(7);
  if (isIP(address) !== 6) return address;
  const [head = '', tail] = address.toLowerCase().split('::');
  const groupsOf = (part: string | undefined): string[] => (part ? part.split(':') : []);
  const width = (groups: string[]): number => groups.reduce((n, g) => n + (g.includes('.') ? 2 : 1), 0);
  const headGroups = groupsOf(head);
  const tailGroups = groupsOf(tail);
  const filler = tail === undefined ? [] : Array<string>(8 - width(headGroups) - width(tailGroups)).fill('0');
  const groups = [...headGroups, ...filler, ...tailGroups];
  return `${groups
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}

/**
 * Seconds after which one more attempt is certain to pass if nothing else arrives in between. The store's sliding
 * window weighs the previous fixed bucket by how much of it is still inside the window, so the count falls once
 * the current bucket has ended and keeps falling through the next one; `count` bounds what the current bucket holds.
 */
export function retryAfterSeconds(nowMs: number, rule: SlidingWindowLimit, count: number): number {
  const bucketEnd = bucketStartOf(nowMs, rule.window) + rule.window;
  const decay = Math.floor(rule.window * Math.max(0, 1 - rule.limit / count)) + 1;
  return Math.max(1, Math.ceil((bucketEnd - nowMs + decay) / 1000));
}

function limited(deps: Deps, action: RateLimitedAction, scope: Scope, rule: SlidingWindowLimit, count: number, logFields: Record<string, string>): KratosError {
  const seconds = retryAfterSeconds(deps.now().getTime(), rule, count);
  deps.logger.warn({ action, scope, retry_after_seconds: seconds, ...logFields }, 'rate limit exceeded');
  const subject = scope === 'ip' ? 'from this network address' : 'for this identifier';
  return new KratosError(429, {
    reason: `Too many ${action} attempts ${subject}. Retry in ${seconds} seconds.`,
    message: 'Too many requests',
    headers: { 'Retry-After': String(seconds) },
  });
}
