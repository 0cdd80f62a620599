import type { Deps } from '../deps.js';

export interface Maintenance {
  stop(): void;
}

const DEFAULT_INTERVAL_MS = 5 * 60_000;

/**
 * Periodic clean-up that keeps the database from growing with traffic: rate-limit buckets of keys that are no
 * longer hit (every identifier an attacker sprays leaves one behind), and self-service flows long expired (every
 * `GET /self-service/login/api` creates one). Each instance runs it; the deletes are idempotent, so several
 * instances on one database do not get in each other's way.
 */
export function startMaintenance(deps: Deps, intervalMs = DEFAULT_INTERVAL_MS): Maintenance {
  const timer = setInterval(() => void runMaintenance(deps), intervalMs);
  // Never the reason the process stays alive: shutdown must not wait for the next tick.
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

/**
 * Expired flows are kept this long, so that a late submit still gets Kratos's 410 with a replacement flow rather
 * than a 404.
 */
export const EXPIRED_FLOW_RETENTION_MS = 24 * 60 * 60 * 1000;

export async function runMaintenance(deps: Deps): Promise<void> {
  try {
    const now = deps.now().getTime();
    const buckets = await deps.store.deleteStaleRateLimitBuckets(new Date(now - 2 * longestRateLimitWindowMs(deps)));
    const flows = await deps.store.deleteExpiredFlows(new Date(now - EXPIRED_FLOW_RETENTION_MS));
    if (buckets + flows > 0) deps.logger.debug({ rate_limit_buckets: buckets, flows }, 'stale rows deleted');
  } catch (error) {
    deps.logger.warn({ err: { type: (error as Error).name, message: (error as Error).message } }, 'maintenance failed');
  }
}

/** A bucket is read while it is the current or the previous one of its key's window, i.e. for two windows. */
function longestRateLimitWindowMs(deps: Deps): number {
  const { login, registration } = deps.config.tessera.rate_limits;
  return Math.max(login.per_identifier.window, login.per_ip.window, registration.per_identifier.window, registration.per_ip.window);
}
