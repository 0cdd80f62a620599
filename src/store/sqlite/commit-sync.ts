import type Database from 'better-sqlite3';

/** SQLite's `PRAGMA synchronous` levels (https://www.sqlite.org/pragma.html#pragma_synchronous). */
const NORMAL = 1;

/**
 * The connection commits with `synchronous = FULL` (open-database.ts): in WAL mode every commit fsyncs the WAL,
 * so an acknowledged registration or session survives a power cut. better-sqlite3 runs on the event loop, so that
 * fsync is time the event loop (and every whoami waiting on it) spends blocked. Measured on the 2-core development
 * VM, inserting one flow-sized row: 0.6 ms median and 25 ms at p99 with FULL, 0.03 ms and 1.1 ms with NORMAL.
 *
 * Rows whose loss in a power cut is harmless (self-service flows, rate-limit counters: an unauthenticated client
 * can make thousands of them a second) are written with `synchronous = NORMAL`, under which a WAL commit does
 * not fsync (https://www.sqlite.org/wal.html#performance_considerations). The connection's own level is restored
 * right after, so the next identity or session commit fsyncs the WAL again, and with it every frame written
 * before it: nothing acknowledged as durable becomes less durable.
 */
export class CommitSync {
  private constructor(
    private readonly db: Database.Database,
    /** The connection's own level, or null when it is already NORMAL or OFF (nothing to relax). */
    private readonly level: number | null,
  ) {}

  static of(db: Database.Database): CommitSync {
    const level = Number(db.pragma('synchronous', { simple: true }));
    return new CommitSync(db, level > NORMAL ? level : null);
  }

  /** Runs `write` (one statement or one transaction, never inside another transaction) without a commit fsync. */
  relaxedFor<T>(write: () => T): T {
    if (this.level === null) return write();
    // Not a statement prepared once: SQLite applies `PRAGMA synchronous = N` while preparing it, so re-running a
    // prepared one does not reliably set the level again. Preparing both costs a few microseconds.
    this.db.pragma(`synchronous = ${NORMAL}`);
    try {
      return write();
    } finally {
      this.db.pragma(`synchronous = ${this.level}`);
    }
  }
}
