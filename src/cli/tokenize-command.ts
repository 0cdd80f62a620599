import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load.js';
import { KratosError } from '../errors/kratos-error.js';
import { mapperOptions } from '../tokenizer/build-tokenizer.js';
import { createClaimsMapper } from '../tokenizer/mapper/create-claims-mapper.js';
import { describeKratosError, loadMapperTemplate } from '../tokenizer/template-sources.js';
import { buildTokenClaims } from '../tokenizer/token-claims.js';
import { UsageError, type Command } from './command.js';
import { isObject } from '../json/is-object.js';

/**
 * `tessera tokenize`: a dry run for mapper authors. Prints the claims a template would put into a token for a
 * session saved from `GET /sessions/whoami` (or an admin session), with the same mapper engine as the server and
 * the current time; nothing is signed and no database or key is needed.
 */
export const tokenizeCommand: Command = {
  name: 'tokenize',
  summary: 'print the claims a template produces for a session JSON file (dry run)',
  usage: 'tessera tokenize --template NAME --session FILE [-c FILE]',
  async run(args) {
    const { values } = parseArgs({ args, options: { config: { type: 'string', short: 'c' }, template: { type: 'string' }, session: { type: 'string' } } });
    if (!values.template || !values.session) throw new UsageError(`usage: ${tokenizeCommand.usage}`);
    const config = loadConfig({ file: values.config });
    const template = config.session.whoami.tokenizer.templates.get(values.template);
    if (!template) {
      throw new UsageError(`no tokenizer template "${values.template}" in session.whoami.tokenizer.templates (have: ${[...config.session.whoami.tokenizer.templates.keys()].join(', ') || 'none'})`);
    }
    const sessionJson = await readSessionFile(values.session);
    const identity = sessionJson.identity as Record<string, unknown>;

    const mapperTemplate = await loadMapperTemplate(config, template);
    const mapper = mapperTemplate ? await createClaimsMapper([mapperTemplate], { ...mapperOptions(config), workers: 1 }) : null;
    try {
      const claims = await buildTokenClaims(
        {
          template,
          subject: {
            sessionId: sessionJson.id as string,
            identityId: identity.id as string,
            externalId: typeof identity.external_id === 'string' ? identity.external_id : null,
          },
          sessionJson,
          issuer: config.serve.public.base_url,
          now: new Date(),
        },
        mapper,
      );
      console.log(JSON.stringify(claims, null, 2));
      return 0;
    } catch (error) {
      if (error instanceof KratosError) {
        console.error(`tessera: template "${template.name}": ${describeKratosError(error)}`);
        return 1;
      }
      throw error;
    } finally {
      await mapper?.close();
    }
  },
};

/** A whoami response, reduced to what the mapper sees there: no `tokenized`, no credentials, no metadata_admin. */
async function readSessionFile(path: string): Promise<Record<string, unknown>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`cannot read session file ${path}: ${(error as Error).message}`);
  }
  const session = isObject(parsed) ? parsed : null;
  const identity = session && isObject(session.identity) ? session.identity : null;
  if (!session || typeof session.id !== 'string' || !identity || typeof identity.id !== 'string') {
    throw new UsageError(`${path} must hold a session as GET /sessions/whoami returns it (with "id" and "identity.id")`);
  }
  const { tokenized: _tokenized, ...rest } = session;
  const { credentials: _credentials, metadata_admin: _metadataAdmin, ...publicIdentity } = identity;
  return { ...rest, identity: publicIdentity };
}
