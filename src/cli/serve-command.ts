import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load.js';
import { createLogger, flushLogger } from '../logging/logger.js';
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
    // One signal drains within tessera.shutdown.grace_period; the handlers are `once`, so a second signal falls
    // back to Node's default and ends the process at once (the usual "press Ctrl-C again" escape hatch).
    await new Promise<void>((resolve, reject) => {
      const stop = (signal: string): void => {
        logger.info({ signal }, 'signal received');
        servers.shutdown().then(resolve, reject);
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
    // Every access-log line of the drained requests, and the last lines, are written before the process ends.
    await flushLogger(logger);
    return 0;
  },
};
