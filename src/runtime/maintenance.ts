import type { Deps } from '../deps.js';

export interface Maintenance {
  stop(): void;
}

const DEFAULT_INTERVAL_MS = 5 * 60_000;

/**
 * Periodic clean-up that keeps the database from growing with traffic: rate-limit buckets of keys that are no
 * longer hit (every identifier an attacker sprays leaves one behind). Each instance runs it; the deletes are
 * idempotent, so several instances on one database do not get in each other's way.
 */
export function startMaintenance(deps: Deps, intervalMs = DEFAULT_INTERVAL_MS): Maintenance {
  const timer = setInterval(() => void runMaintenance(deps), intervalMs);
  // Never the reason the process stays alive: shutdown must not wait for the next tick.
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

export async function runMaintenance(deps: Deps): Promise<void> {
  try {
    const deleted = await deps.store.deleteStaleRateLimitBuckets(new Date(deps.now().getTime() - 2 * longestRateLimitWindowMs(deps)));
    if (deleted > 0) deps.logger.debug({ deleted }, 'stale rate-limit buckets deleted');
  } catch (error) {
    deps.logger.warn({ err: { type: (error as Error).name, message: (error as Error).message } }, 'maintenance failed');
  }
}

/** A bucket is read while it is the current or the previous one of its key's window, i.e. for two windows. */
function longestRateLimitWindowMs(deps: Deps): number {
  const { login, registration } = deps.config.tessera.rateLimits;
  return Math.max(login.perIdentifier.windowMs, login.perIp.windowMs, registration.perIdentifier.windowMs, registration.perIp.windowMs);
}
