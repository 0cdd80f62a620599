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
