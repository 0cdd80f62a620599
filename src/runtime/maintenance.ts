import type { Deps } from '../deps.js';
import type { ExpiringKind } from '../store/types.js';
import { deleteExpiredRows } from './cleanup.js';

export interface Maintenance {
  stop(): void;
}

const DEFAULT_INTERVAL_MS = 5 * 60_000;

/**
 * Periodic clean-up that keeps the database from growing with traffic: rate-limit buckets of keys that are no
 * longer hit (every identifier an attacker sprays leaves one behind), self-service flows long expired (every
 * `GET /self-service/login/api` creates one), and sessions expired longer than
 * `tessera.cleanup.expired_session_retention`. Each instance runs it; the deletes are idempotent and batched
 * (cleanup.ts), so several instances on one database do not get in each other's way, and a run still going when
 * the next is due lets that one pass.
 */
export function startMaintenance(deps: Deps, intervalMs = DEFAULT_INTERVAL_MS): Maintenance {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    void runMaintenance(deps).finally(() => (running = false));
  }, intervalMs);
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
  const { cleanup } = deps.config.tessera;
  // How long each kind is kept after it expired.
  const keep: Record<ExpiringKind, number> = {
    rate_limit_buckets: 0,
    flows: EXPIRED_FLOW_RETENTION_MS,
    sessions: cleanup.expired_session_retention,
  };
  const deleted: Partial<Record<ExpiringKind, number>> = {};
  try {
    const now = deps.now();
    for (const [kind, keepLastMs] of Object.entries(keep) as Array<[ExpiringKind, number]>) {
      const counts = await deleteExpiredRows(deps.store, deps.config, now, { keepLastMs, batchSize: cleanup.batch_size, pauseMs: 0 }, [kind]);
      if (counts[kind] > 0) deleted[kind] = counts[kind];
    }
    if (Object.keys(deleted).length > 0) deps.logger.debug(deleted, 'expired rows deleted');
  } catch (error) {
    deps.logger.warn({ err: { type: (error as Error).name, message: (error as Error).message }, deleted }, 'maintenance failed');
  }
}
