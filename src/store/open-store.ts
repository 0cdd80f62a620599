import type { Config } from '../config/types.js';
import type { PostgresStoreOptions } from './postgres/pool-config.js';
import type { Store } from './store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';

/** Picks the store implementation from the DSN, as Kratos does: `sqlite://…` or `memory`, `postgres(ql)://…`. */
export async function openStore(dsn: string, options: PostgresStoreOptions & { sessionCacheMaxEntries?: number } = {}): Promise<Store> {
  if (dsn === 'memory' || dsn.startsWith('sqlite://')) return new SqliteStore(dsn, { sessionCacheMaxEntries: options.sessionCacheMaxEntries });
  if (dsn.startsWith('postgres://') || dsn.startsWith('postgresql://')) {
    const { PostgresStore } = await import('./postgres/postgres-store.js');
    return PostgresStore.connect(dsn, options);
  }
  throw new Error(`unsupported dsn scheme "${dsn.split(':')[0]}" (use sqlite://path?_fk=true, memory, or postgres://…)`);
}

/** The store kratos.yml names: `dsn`, sized by `tessera.database`. */
export function openConfiguredStore(config: Pick<Config, 'dsn' | 'tessera'>): Promise<Store> {
  const { max_connections, statement_timeout, session_cache_max_entries, migration_lock_timeout } = config.tessera.database;
  return openStore(config.dsn, {
    maxConnections: max_connections,
    statementTimeoutMs: statement_timeout,
    sessionCacheMaxEntries: session_cache_max_entries,
    migrationLockTimeoutMs: migration_lock_timeout,
  });
}
