import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load.js';
import { createLogger } from '../logging/logger.js';
import { buildRuntime } from '../runtime/build-deps.js';
import { startServers } from '../runtime/serve.js';
import type { Command } from './command.js';

export const serveCommand: Command = {
  name: 'serve',
  summary: 'start the public and admin APIs',
  usage: 'tessera serve [-c kratos.yml]',
  async run(args) {
    const { values } = parseArgs({ args, options: { config: { type: 'string', short: 'c' } }, allowPositionals: false });
    const config = loadConfig({ file: values.config });
    const logger = createLogger(config.log.level);
    const runtime = await buildRuntime(config, logger);
    const servers = await startServers(runtime);
    await new Promise<void>((resolve) => {
      const stop = (signal: string): void => {
        logger.info({ signal }, 'signal received');
        void servers.shutdown().then(resolve);
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
    logger.flush();
    return 0;
  },
};
