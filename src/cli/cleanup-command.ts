import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load.js';
import { parseDuration } from '../config/duration.js';
import { deleteExpiredRows } from '../runtime/cleanup.js';
import { openConfiguredStore } from '../store/open-store.js';
import { EXPIRING_KINDS } from '../store/types.js';
import { UsageError, type Command } from './command.js';

const DEFAULT_PAUSE = '100ms';

/**
 * `tessera cleanup`: deletes expired sessions, flows and rate-limit buckets, like `kratos cleanup sql`. As there,
 * `--keep-last` keeps rows that expired less than that long ago. Unlike Kratos it works through all that expired
 * in one run, batch after batch (`--batch-size` rows each, `--pause` between two), instead of one batch per table,
 * and it does not sleep a minute between tables.
 */
export const cleanupCommand: Command = {
  name: 'cleanup',
  summary: 'delete expired sessions, flows and rate-limit buckets',
  usage: 'tessera cleanup [-c kratos.yml] [--keep-last DURATION] [--batch-size N] [--pause DURATION]',
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        config: { type: 'string', short: 'c' },
        'keep-last': { type: 'string', default: '0s' },
        'batch-size': { type: 'string', short: 'b' },
        pause: { type: 'string', default: DEFAULT_PAUSE },
      },
    });
    if (positionals.length > 0) throw new UsageError(`usage: ${this.usage}`);
    const keepLastMs = durationOption('--keep-last', values['keep-last']);
    const pauseMs = durationOption('--pause', values.pause);
    const config = loadConfig({ file: values.config });
    const batchSize = values['batch-size'] === undefined ? config.tessera.cleanup.batch_size : Number(values['batch-size']);
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 100_000) throw new UsageError('--batch-size must be an integer from 1 to 100000');

    const store = await openConfiguredStore(config);
    try {
      const counts = await deleteExpiredRows(store, config, new Date(), { keepLastMs, batchSize, pauseMs });
      for (const kind of EXPIRING_KINDS) console.log(`${kind.replaceAll('_', '-')}: ${counts[kind]} deleted`);
    } finally {
      await store.close();
    }
    return 0;
  },
};

function durationOption(name: string, value: string | undefined): number {
  try {
    const ms = parseDuration(value ?? '');
    if (ms < 0) throw new Error('must not be negative');
    return ms;
  } catch (error) {
    throw new UsageError(`${name}: ${(error as Error).message}`);
  }
}
