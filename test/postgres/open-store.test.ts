// test-stores: postgres
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openStore } from '../../src/store/open-store.js';
import { ensureCluster } from '../helpers/postgres-cluster.js';

describe('selecting the PostgreSQL store by DSN', () => {
  const cluster = ensureCluster();

  for (const scheme of ['postgres', 'postgresql']) {
    it(`opens the PostgreSQL store for ${scheme}:// with Kratos's DSN parameters`, async () => {
      const url = new URL(cluster.dsn(cluster.createDatabase(), { sslmode: 'disable', max_conns: '3', max_idle_conns: '1' }));
      url.protocol = `${scheme}:`;
      const store = await openStore(url.toString());
      try {
        assert.equal(store.dialect, 'postgres');
        await store.migrate();
        await store.ping();
        assert.equal(await store.countIdentities(), 0);
      } finally {
        await store.close();
      }
    });
  }
});
