import { parseArgs } from 'node:util';
import { DEFAULT_KEY_ALGORITHM, generatePrivateJwks, writePrivateKeyFile } from '../tokenizer/key-generation.js';
import { SIGNING_ALGORITHMS, type SigningAlgorithm } from '../tokenizer/signing-algorithms.js';
import { UsageError, type Command } from './command.js';

/**
 * `tessera keys generate`: a private JWK Set for a template's `jwks_url`, like `oathkeeper credentials generate`.
 * Printed to stdout, or written to a new 0600 file with --out (an existing file is never replaced: to rotate,
 * add the new key to the existing file as keys/README.md explains).
 */
export const keysCommand: Command = {
  name: 'keys',
  summary: 'write a private JWK set for a template (ALG: EdDSA (default), ES256, RS256, ...)',
  usage: 'tessera keys generate [--alg ALG] [--kid ID] [--out FILE]',
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      options: { alg: { type: 'string', default: DEFAULT_KEY_ALGORITHM }, kid: { type: 'string' }, out: { type: 'string', short: 'o' } },
      allowPositionals: true,
    });
    if (positionals.length !== 1 || positionals[0] !== 'generate') throw new UsageError(`usage: ${keysCommand.usage}`);
    if (!SIGNING_ALGORITHMS.has(values.alg)) {
      throw new UsageError(`--alg must be one of ${[...SIGNING_ALGORITHMS.keys()].join(', ')} (HS* keys are shared secrets and cannot be published)`);
    }
    if (values.kid !== undefined && values.kid.trim() === '') throw new UsageError('--kid must not be empty');
    const jwks = await generatePrivateJwks(values.alg as SigningAlgorithm, values.kid);
    if (values.out === undefined) {
      console.log(JSON.stringify(jwks, null, 2));
      return 0;
    }
    try {
      writePrivateKeyFile(values.out, jwks);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new UsageError(`${values.out} exists already and is never overwritten (to rotate, see keys/README.md)`);
      throw error;
    }
    console.error(`wrote ${values.alg} key "${jwks.keys[0]?.kid ?? ''}" to ${values.out} (mode 0600)`);
    return 0;
  },
};
