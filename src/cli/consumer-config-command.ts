import { parseArgs } from 'node:util';
import { joinUrl } from '../config/join-url.js';
import { loadConfig } from '../config/load.js';
import { loadPublishedKeys } from '../tokenizer/build-tokenizer.js';
import { UsageError, type Command } from './command.js';
import { templatesOrAll } from './jwks-command.js';

/**
 * `tessera config postgrest|hasura`: the settings a consumer needs to verify Tessera's tokens, printed as
 * `NAME='value'` lines for a shell or an env file. PostgREST cannot fetch a JWKS URL, so it gets the key set
 * itself; Hasura fetches and refreshes it from the JWKS URL. See docs/tokenizer.md (PostgREST, Hasura).
 */
export const consumerConfigCommand: Command = {
  name: 'config',
  summary: 'print the environment PostgREST or Hasura needs to verify tokens',
  usage: 'tessera config postgrest|hasura [-c kratos.yml] [options]',
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      options: {
        config: { type: 'string', short: 'c' },
        template: { type: 'string', multiple: true },
        'jwks-url': { type: 'string' },
        'postgrest-version': { type: 'string', default: '14' },
      },
      allowPositionals: true,
    });
    const consumer = positionals[0];
    if (positionals.length !== 1 || (consumer !== 'postgrest' && consumer !== 'hasura')) throw new UsageError(
        `usage: ${consumerConfigCommand.usage}; options: --template NAME (postgrest, repeatable), --postgrest-version N (default 14), --jwks-url URL (hasura)`,
      );
    const config = loadConfig({ file: values.config });
    const issuer = config.serve.public.base_url;

    if (consumer === 'postgrest') {
      const major = Number.parseInt(values['postgrest-version'], 10);
      if (!Number.isInteger(major) || major < 9) throw new UsageError('--postgrest-version must be a major version such as 12, 14 or 16');
      const keys = await loadPublishedKeys(config, templatesOrAll(config.session.whoami.tokenizer.templates, values.template));
      // PostgREST 16 reads RFC 9535 JSONPath ($.role); up to 14 its own JSPath (.role).
      printVariables({ PGRST_JWT_SECRET: JSON.stringify(keys.jwks), PGRST_JWT_ROLE_CLAIM_KEY: major >= 16 ? '$.role' : '.role' });
      return 0;
    }
    // Hasura's default allowed_skew is 0 and it refuses an iat in the future, so any clock drift between the two
    // hosts would reject fresh tokens; 30 s is PostgREST's fixed skew.
    const secret = { jwk_url: values['jwks-url'] ?? joinUrl(issuer, '.well-known/jwks.json'), issuer, allowed_skew: 30 };
    printVariables({ HASURA_GRAPHQL_JWT_SECRET: JSON.stringify(secret) });
    return 0;
  },
};

function printVariables(variables: Record<string, string>): void {
  for (const [name, value] of Object.entries(variables)) console.log(`${name}=${shellQuote(value)}`);
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
