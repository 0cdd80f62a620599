import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../config/types.js';
import type { Store } from '../store/store.js';
import { EXPIRING_KINDS, type ExpiringKind } from '../store/types.js';

/**
 * Deleting what has expired, in batches: `tessera cleanup` (modelled on `kratos cleanup sql`) and the built-in
 * maintenance (maintenance.ts) both run it. Each batch is one short statement (Store.deleteExpired), so neither
 * a SQLite file nor a PostgreSQL table is locked for long, and between two batches other writers get their turn.
 */
export interface CleanupOptions {
  /** Rows are kept until they have been expired this long (Kratos's `--keep-last`); 0 deletes all that expired. */
  keepLastMs: number;
  /** Rows per batch (per statement and transaction). */
  batchSize: number;
  /** Wait between two batches, so that writers in other processes get the SQLite write lock in between. */
  pauseMs: number;
  /** Called after each batch that deleted rows (progress for the CLI, debug logs for the maintenance). */
  onBatch?: (kind: ExpiringKind, deleted: number) => void;
}

export type CleanupCounts = Record<ExpiringKind, number>;

/**
 * When each kind of row stops being needed, given the time now: sessions and flows when they expire, rate-limit
 * buckets two windows of the longest limit after their own start (a key's count reads the current and the
 * previous bucket). A new kind of expiring row (courier messages) gets a line here and one in each store.
 */
export function expiredAt(config: Config): Record<ExpiringKind, (nowMs: number) => number> {
  const bucketLifetimeMs = 2 * longestRateLimitWindowMs(config);
  return {
    sessions: (nowMs) => nowMs,
    flows: (nowMs) => nowMs,
    rate_limit_buckets: (nowMs) => nowMs - bucketLifetimeMs,
  };
}

/**
 * Deletes, kind after kind, every row that expired at least `keepLastMs` ago, batch after batch until a batch
 * comes back short. The cut-off of a kind is fixed when its turn starts, so rows that expire meanwhile wait for
 * the next run instead of keeping this one going. Returns how many rows of each kind were deleted.
 */
export async function deleteExpiredRows(store: Store, config: Config, now: Date, options: CleanupOptions, kinds: readonly ExpiringKind[] = EXPIRING_KINDS): Promise<CleanupCounts> {
  const counts = Object.fromEntries(EXPIRING_KINDS.map((kind) => [kind, 0])) as CleanupCounts;
  const cutoffs = expiredAt(config);
  for (const kind of kinds) {
    const before = new Date(cutoffs[kind](now.getTime()) - options.keepLastMs);
    for (;;) {
      const deleted = await store.deleteExpired(kind, before, options.batchSize);
      counts[kind] += deleted;
      if (deleted > 0) options.onBatch?.(kind, deleted);
      if (deleted < options.batchSize) break;
      // Always yields, even with no pause: a SQLite batch runs on the event loop of a serving instance.
      await sleep(options.pauseMs);
    }
  }
  return counts;
}

/** A bucket is read while it is the current or the previous one of its key's window. */
function longestRateLimitWindowMs(config: Config): number {
  const { login, registration, flow_creation } = config.tessera.rate_limits;
  return Math.max(
    login.per_identifier.window,
    login.per_identifier_and_ip.window,
    login.per_ip.window,
    registration.per_identifier.window,
    registration.per_ip.window,
    flow_creation.per_ip.window,
  );
}
