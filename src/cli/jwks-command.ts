import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load.js';
import { loadPublishedKeys } from '../tokenizer/build-tokenizer.js';
import { UsageError, type Command } from './command.js';

/** `tessera jwks`: the public JWK Set exactly as /.well-known/jwks.json serves it, read from the key files. */
export const jwksCommand: Command = {
  name: 'jwks',
  summary: 'print the public JWK set of the tokenizer templates',
  usage: 'tessera jwks [-c kratos.yml] [--template NAME]...',
  async run(args) {
    const { values } = parseArgs({ args, options: { config: { type: 'string', short: 'c' }, template: { type: 'string', multiple: true } } });
    const config = loadConfig({ file: values.config });
    const keys = await loadPublishedKeys(config, templatesOrAll(config.session.whoami.tokenizer.templates, values.template));
    console.log(JSON.stringify(keys.jwks, null, 2));
    return 0;
  },
};

/** Checks that every named template exists; no names means all templates. */
export function templatesOrAll(templates: ReadonlyMap<string, unknown>, names: string[] | undefined): string[] {
  if (!names || names.length === 0) return [...templates.keys()];
  for (const name of names) {
    if (!templates.has(name)) throw new UsageError(`no tokenizer template "${name}" in session.whoami.tokenizer.templates (have: ${[...templates.keys()].join(', ') || 'none'})`);
  }
  return names;
}
