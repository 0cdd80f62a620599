import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load.js';
import { importedHashFormats } from '../identity/hash-formats/imported-hash-formats.js';
import { IdentitySchemas } from '../identity/identity-schemas.js';
import { PasswordHasher } from '../identity/password-hasher.js';
import type { ImportFormat } from '../import/import-candidate.js';
import { formatSummary } from '../import/import-summary.js';
import { ProgressBar } from '../import/progress-bar.js';
import { runImport } from '../import/run-import.js';
import { openConfiguredStore } from '../store/open-store.js';
import { UsageError, type Command } from './command.js';

const FORMATS: readonly ImportFormat[] = ['kratos', 'auth0', 'supabase'];

/**
 * `tessera import FILE`: bulk migration from Kratos, Auth0 or Supabase exports (docs/migrating.md). Exits 0 when
 * every record was imported or skipped, 2 when some failed (the summary names them), 1 on a fatal error.
 */
export const importCommand: Command = {
  name: 'import',
  summary: 'import identities from a Kratos, Auth0 or Supabase export',
  usage: 'tessera import FILE [--format kratos|auth0|supabase] [-c kratos.yml]',
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        config: { type: 'string', short: 'c' },
        format: { type: 'string', short: 'f' },
        'schema-id': { type: 'string' },
        'batch-size': { type: 'string' },
      },
    });
    const [file, ...extra] = positionals;
    if (!file || extra.length > 0) throw new UsageError(`usage: ${this.usage} [--schema-id ID] [--batch-size N]`);
    const format = values.format as ImportFormat | undefined;
    if (format !== undefined && !FORMATS.includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}`);
    const batchSize = values['batch-size'] === undefined ? undefined : Number(values['batch-size']);
    if (batchSize !== undefined && (!Number.isInteger(batchSize) || batchSize < 1)) throw new UsageError('--batch-size must be a positive integer');

    const config = loadConfig({ file: values.config });
    const schemas = new IdentitySchemas(config);
    // A batch tool hashes a whole batch of plaintext passwords at once: its queue is not bounded.
    const hasher = new PasswordHasher(config.hashers.argon2, { concurrency: config.tessera.limits.hashing_concurrency, formats: importedHashFormats });
    const store = await openConfiguredStore(config);
    const progress = process.stderr.isTTY ? new ProgressBar(process.stderr) : null;
    try {
      await store.migrate();
      const summary = await runImport(
        { store, schemas, hasher, now: () => new Date() },
        { file, format, schemaId: values['schema-id'], batchSize, onProgress: progress ? (p) => progress.update(p) : undefined },
      );
      progress?.finish();
      console.log(formatSummary(summary));
      return summary.failed > 0 ? 2 : 0;
    } finally {
      await store.close();
    }
  },
};
