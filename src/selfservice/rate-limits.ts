import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import type { SlidingWindowLimit } from '../config/types.js';
import type { Deps } from '../deps.js';
import { KratosError } from '../errors/kratos-error.js';
import { bucketStartOf } from './sliding-window.js';

/**
 * Brute-force and flood limits (`tessera.rate_limits`). Every check is one counter write through
 * `Store.hitRateLimit`, so the counters live in the database and every instance on that database sees the same
 * numbers. The checks run before any password hashing or flow write: a limited request costs one counter write,
 * never an argon2 run, and once this process knows a key is over its limit (rate-limit-blocks.ts) not even that.
 *
 * Keys never hold a raw identifier (it may be a password typed into the wrong field): they hold the SHA-256 of
 * the normalized identifier. The limit and the answer are the same whether or not the account exists.
 * Per-identifier limits at login are in login-attempt-limits.ts.
 */
export type RateLimitedAction = 'login' | 'registration';

/** One counter and what a client over it is told. */
export interface LimitedKey {
  key: string;
  rule: SlidingWindowLimit;
  /** The 429's reason, ending in the Retry-After seconds. */
  reason(seconds: number): string;
  /** Logged (at warn) when the limit trips: never an identifier. */
  log: Record<string, string>;
}

/** Counts a submit from `ip`; throws a 429 when that address is over its limit. Unknown addresses are not limited. */
export async function enforceClientIpLimit(deps: Deps, action: RateLimitedAction, ip: string | null): Promise<void> {
  const limits = deps.config.tessera.rate_limits;
  if (!limits.enabled || ip === null || ip === '') return;
  await countHit(deps, {
    key: `${action}:ip:${ipRateLimitSubject(ip)}`,
    rule: limits[action].per_ip,
    reason: (seconds) => `Too many ${action} attempts from this network address. Retry in ${seconds} seconds.`,
    log: { action, scope: 'ip', client_ip: ip },
  });
}

/**
 * Counts a registration attempt for each identifier (already normalized); throws a 429 when one is over its
 * limit. Call it right before the password work, after cheap validation, so that typos in a form do not use up
 * attempts.
 */
export async function enforceRegistrationIdentifierLimit(deps: Deps, identifiers: readonly string[]): Promise<void> {
  const limits = deps.config.tessera.rate_limits;
  if (!limits.enabled) return;
  for (const identifier of new Set(identifiers)) {
    await countHit(deps, {
      key: `registration:identifier:${identifierDigest(identifier)}`,
      rule: limits.registration.per_identifier,
      reason: (seconds) => `Too many registration attempts for this identifier. Retry in ${seconds} seconds.`,
      log: { action: 'registration', scope: 'identifier' },
    });
  }
}

/**
 * Counts the creation of a self-service flow (a stored row) from `ip`; throws a 429 over the limit. Unknown
 * addresses are not limited.
 */
export async function enforceFlowCreationLimit(deps: Deps, ip: string | null): Promise<void> {
  const limited = flowCreationKey(deps, ip);
  if (limited) await countHit(deps, limited);
}

/**
 * For pages that only lead to a flow being created (`/ui/login` without a flow redirects to the init endpoint):
 * refuses, without counting, an address that is already over its flow-creation limit. Reads, never writes.
 */
export async function ensureFlowCreationAllowed(deps: Deps, ip: string | null): Promise<void> {
  const limited = flowCreationKey(deps, ip);
  if (!limited) return;
  const now = deps.now();
  const known = deps.rateLimitBlocks.secondsLeft(limited.key, now.getTime());
  if (known !== null) throw tooManyRequests(limited, known);
  const count = await deps.store.countRateLimit(limited.key, limited.rule.window, now);
  // The next hit would be count + 1: refused when that is over the limit.
  if (count >= limited.rule.limit) throw tooManyRequests(limited, retryAfterSeconds(now.getTime(), limited.rule, count + 1));
}

function flowCreationKey(deps: Deps, ip: string | null): LimitedKey | null {
  const limits = deps.config.tessera.rate_limits;
  if (!limits.enabled || ip === null || ip === '') return null;
  return {
    key: `flows:ip:${ipRateLimitSubject(ip)}`,
    rule: limits.flow_creation.per_ip,
    reason: (seconds) => `Too many self-service flows were started from this network address. Retry in ${seconds} seconds.`,
    log: { action: 'flow_creation', scope: 'ip', client_ip: ip },
  };
}

/**
 * One hit on a counter: refused from memory while this process knows the key is blocked, else counted in the
 * store and refused (and remembered as blocked for the Retry-After it answers) when over the limit. Returns
 * the count, this hit included.
 */
export async function countHit(deps: Deps, limited: LimitedKey): Promise<number> {
  const now = deps.now();
  const known = deps.rateLimitBlocks.secondsLeft(limited.key, now.getTime());
  if (known !== null) throw tooManyRequests(limited, known);
  const count = await deps.store.hitRateLimit(limited.key, limited.rule.window, now);
  if (count > limited.rule.limit) throw blockKey(deps, limited, now, retryAfterSeconds(now.getTime(), limited.rule, count));
  return count;
}

/** Remembers `limited.key` as blocked for `seconds`, logs it, and returns the 429 to throw. */
export function blockKey(deps: Deps, limited: LimitedKey, now: Date, seconds: number): KratosError {
  deps.rateLimitBlocks.block(limited.key, now.getTime() + seconds * 1000);
  deps.logger.warn({ ...limited.log, retry_after_seconds: seconds }, 'rate limit exceeded');
  return tooManyRequests(limited, seconds);
}

function tooManyRequests(limited: LimitedKey, seconds: number): KratosError {
  return new KratosError(429, { reason: limited.reason(seconds), message: 'Too many requests', headers: { 'Retry-After': String(seconds) } });
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
