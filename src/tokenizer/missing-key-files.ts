import { existsSync } from 'node:fs';
import type { Logger } from 'pino';
import { ConfigError } from '../config/config-error.js';
import type { Config } from '../config/types.js';
import { DEFAULT_KEY_ALGORITHM, generatePrivateJwks, writePrivateKeyFile } from './key-generation.js';
import { keySourceOf } from './template-sources.js';

/**
 * First start of a fresh clone: the shipped kratos.yml names `keys/postgrest.jwks.json` and
 * `keys/hasura.jwks.json`, which are git-ignored and therefore missing. With `tessera.keys.generate_missing`
 * (default on) each missing `file://` key is generated once (EdDSA, 0600) and logged without key material.
 * Existing files are never touched. Several templates naming one missing file get one key.
 */
export async function generateMissingKeyFiles(config: Config, logger: Logger): Promise<void> {
  if (!config.tessera.keys.generate_missing) return;
  for (const template of config.session.whoami.tokenizer.templates.values()) {
    const source = keySourceOf(config, template);
    if (source.kind !== 'file' || existsSync(source.path)) continue;
    const jwks = await generatePrivateJwks(DEFAULT_KEY_ALGORITHM);
    try {
      writePrivateKeyFile(source.path, jwks);
    } catch (error) {
      // Another instance starting at the same moment may have won the race: its key is as good as ours.
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw new ConfigError(config.file, `session.whoami.tokenizer.templates.${template.name}.jwks_url`, `template "${template.name}": cannot create key file ${source.path}: ${(error as Error).message}`);
    }
    const [key] = jwks.keys;
    logger.warn(
      { template: template.name, file: source.path, kid: key?.kid, alg: key?.alg },
      'generated a signing key because the key file was missing; instances that share tokens must share this file (set tessera.keys.generate_missing: false in production)',
    );
  }
}
