import type { PoolConfig } from 'pg';

export interface PostgresStoreOptions {
  /** Pool size per instance (`tessera.database.max_connections`); a DSN's `max_conns` wins, as in Kratos. */
  maxConnections?: number;
  /** `tessera.database.statement_timeout`: the longest any statement may run before the server cancels it. */
  statementTimeoutMs?: number;
  /** `tessera.database.session_cache_max_entries`: decoded whoami rows remembered (session-lookup.ts). */
  sessionCacheMaxEntries?: number;
  /** `tessera.database.migration_lock_timeout`: how long `migrate()` waits for another instance's migration. */
  migrationLockTimeoutMs?: number;
}

const DEFAULT_MAX_CONNECTIONS = 10;
const DEFAULT_STATEMENT_TIMEOUT_MS = 5_000;
/** How long a request may wait for a pooled connection, or for a new one to be established. */
const CONNECT_TIMEOUT_MS = 5_000;
/** The client-side bound fires this much later than the server's statement timeout. */
const QUERY_TIMEOUT_MARGIN_MS = 2_000;

/**
 * The node-postgres pool settings for a Kratos-style DSN (`postgres://user:pass@host:5432/db?sslmode=disable`).
 * Every bound is finite so that a slow or vanished database turns into quick errors (503s) rather than requests
 * that pile up: the pool size, the wait for a connection, the statement timeout and a transaction left idle by
 * a stalled request. A statement timeout of 0 turns the statement bounds off, as it does in PostgreSQL.
 */
export function poolConfigFor(dsn: string, options: PostgresStoreOptions = {}): PoolConfig {
  const statementTimeoutMs = Math.ceil(options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS);
  const bounded = statementTimeoutMs > 0;
  return {
    connectionString: dsn,
    max: maxConnectionsOf(dsn) ?? options.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
    application_name: 'tessera',
    statement_timeout: statementTimeoutMs,
    idle_in_transaction_session_timeout: statementTimeoutMs,
    // The server enforces statement_timeout; this client-side bound only catches a server that stopped answering
    // altogether (a network partition), so it fires a little later.
    query_timeout: bounded ? statementTimeoutMs + QUERY_TIMEOUT_MARGIN_MS : undefined,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
  };
}

/** Kratos sizes its pool with `max_conns` in the DSN; honour it so that a Kratos DSN means the same here. */
function maxConnectionsOf(dsn: string): number | undefined {
  let raw: string | null;
  try {
    raw = new URL(dsn).searchParams.get('max_conns');
  } catch {
    return undefined;
  }
  if (raw === null) return undefined;
  const value = Number(raw);
  return Number.isInteger(value) && value > 0 ? value : undefined;
}
