// test-stores: postgres
import { openStore } from '../../src/store/open-store.js';
import { freshDatabaseDsn } from '../helpers/postgres-cluster.js';
import { describeStoreContract } from './store-contract.js';

describeStoreContract({
  dialect: 'postgres',
  async openFresh() {
    const store = await openStore(freshDatabaseDsn());
    await store.migrate();
    return store;
  },
});
