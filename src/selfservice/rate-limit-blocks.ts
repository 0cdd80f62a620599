import { BoundedLru } from '../cache/bounded-lru.js';

/** Enough for every address of a large flood at once; an evicted key only costs one more counter write. */
const MAX_BLOCKED_KEYS = 50_000;

/**
 * This process's memory of rate-limit keys the store has found over their limit, and until when. While a key is
 * blocked here, a request for it is refused without touching the database: a flood from one address costs one
 * counter write per request only until its limit is reached, then none (no write, no fsync, no round trip).
 *
 * The store stays the authority, shared by every instance: a key blocked on another instance is found over its
 * limit on the next hit here. Requests refused from memory are not counted, so the key's count falls as the
 * window slides and the first request after the block ends is counted again. The block lasts exactly the
 * Retry-After the client was given, after which one more request is certain to pass (rate-limits.ts).
 */
export class RateLimitBlocks {
  private readonly until = new BoundedLru<number>(MAX_BLOCKED_KEYS);

  block(key: string, untilMs: number): void {
    this.until.set(key, untilMs);
  }

  /** Whole seconds until `key` is free again, or null when this process knows no block for it. */
  secondsLeft(key: string, nowMs: number): number | null {
    const until = this.until.get(key);
    if (until === undefined || until <= nowMs) return null;
    return Math.max(1, Math.ceil((until - nowMs) / 1000));
  }
}
