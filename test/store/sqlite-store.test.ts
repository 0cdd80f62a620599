// test-stores: sqlite
import { join } from 'node:path';
import { openStore } from '../../src/store/open-store.js';
import { tempDir } from '../helpers/config.js';
import { describeFlowCasAndOidcLinkContract } from './flow-cas-and-oidc-link-contract.js';
import { describeStoreContract, type StoreUnderTest } from './store-contract.js';

const subject: StoreUnderTest = {
  dialect: 'sqlite',
  async openFresh() {
    const store = await openStore(`sqlite://${join(tempDir(), 'tessera.db')}?_fk=true`);
    await store.migrate();
    return store;
  },
};

describeStoreContract(subject);
describeFlowCasAndOidcLinkContract(subject);
