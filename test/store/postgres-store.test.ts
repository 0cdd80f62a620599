// test-stores: postgres
import { openStore } from '../../src/store/open-store.js';
import { freshDatabaseDsn } from '../helpers/postgres-cluster.js';
import { describeFlowCasAndOidcLinkContract } from './flow-cas-and-oidc-link-contract.js';
import { describeStoreContract, type StoreUnderTest } from './store-contract.js';

const subject: StoreUnderTest = {
  dialect: 'postgres',
  async openFresh() {
    const store = await openStore(freshDatabaseDsn());
    await store.migrate();
    return store;
  },
};

describeStoreContract(subject);
describeFlowCasAndOidcLinkContract(subject);
