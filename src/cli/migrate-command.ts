import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load.js';
import { openConfiguredStore } from '../store/open-store.js';
import type { Command } from './command.js';

export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'apply database migrations and exit',
  usage: 'tessera migrate [-c kratos.yml]',
  async run(args) {
    const { values } = parseArgs({ args, options: { config: { type: 'string', short: 'c' } } });
    const config = loadConfig({ file: values.config });
    const store = await openConfiguredStore(config);
    try {
      await store.migrate();
      console.log(`migrations applied (${store.dialect})`);
    } finally {
      await store.close();
    }
    return 0;
  },
};
