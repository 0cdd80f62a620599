/**
 * Sliding-window rate counting from two fixed buckets (the approach Cloudflare describes): the previous bucket
 * counts for the share of it that still lies inside the window ending now. Both stores keep the buckets and use
 * this one estimate.
 */
export function bucketStartOf(nowMs: number, windowMs: number): number {
  return Math.floor(nowMs / windowMs) * windowMs;
}

export function slidingWindowCount(previous: number, current: number, elapsedFraction: number): number {
  return Math.floor(previous * (1 - elapsedFraction)) + current;
}
