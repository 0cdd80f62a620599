import type { Store } from '../store.js';

// Placeholder until the PostgreSQL store lands (issue 7).
export const PostgresStore = {
  async connect(_dsn: string, _options: { maxConnections?: number; statementTimeoutMs?: number }): Promise<Store> {
    throw new Error('the PostgreSQL store is not available yet');
  },
};
