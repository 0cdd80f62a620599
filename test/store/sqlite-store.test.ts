// test-stores: sqlite
import { join } from 'node:path';
import { openStore } from '../../src/store/open-store.js';
import { tempDir } from '../helpers/config.js';
import { describeStoreContract } from './store-contract.js';

describeStoreContract({
  dialect: 'sqlite',
  async openFresh() {
    const store = await openStore(`sqlite://${join(tempDir(), 'tessera.db')}?_fk=true`);
    await store.migrate();
    return store;
  },
});
