import { existsSync, statSync } from 'node:fs';
import type { Logger } from 'pino';
import { ConfigError } from '../config/config-error.js';
import type { Config, TokenizerTemplateConfig } from '../config/types.js';
import { parseUrlSource, readUrlSource, sourceDescription, type UrlSource } from '../config/url-source.js';
import { KratosError } from '../errors/kratos-error.js';
import type { MapperTemplate } from './claims-mapper.js';
import { parseKeySet, type KeySet } from './key-set.js';

/**
 * Reading what a template points to (`jwks_url`, `claims_mapper_url`), once, at start. Kratos re-reads mapper
 * files on every call and caches key files for an hour; Tessera reads both once and checks them, so a broken
 * file stops the start instead of failing requests (changing them needs a restart, see keys/README.md).
 */
const templateKey = (template: TokenizerTemplateConfig, member: 'jwks_url' | 'claims_mapper_url'): string => `session.whoami.tokenizer.templates.${template.name}.${member}`;

export function keySourceOf(config: Config, template: TokenizerTemplateConfig): UrlSource {
  try {
    // Kratos: "HTTP(S) makes no sense here" (TokenizeSession in https://github.com/ory/kratos/blob/master/session/tokenizer.go).
    return parseUrlSource(template.jwks_url, config.dir, ['file', 'base64']);
  } catch (error) {
    throw new ConfigError(config.file, templateKey(template, 'jwks_url'), `template "${template.name}": ${(error as Error).message}`);
  }
}

export async function loadTemplateKeySet(config: Config, template: TokenizerTemplateConfig, logger: Logger | null): Promise<KeySet> {
  const source = keySourceOf(config, template);
  const fail = (reason: string): ConfigError =>
    new ConfigError(config.file, templateKey(template, 'jwks_url'), `template "${template.name}", key file ${sourceDescription(source)}: ${reason}`);
  if (source.kind === 'file' && !existsSync(source.path)) {
    throw fail('does not exist; it is created on the first "tessera serve" when tessera.keys.generate_missing is on, or with "tessera keys generate --out <file>"');
  }
  let text: string;
  try {
    text = await readUrlSource(source);
  } catch (error) {
    throw fail(`cannot be read: ${(error as Error).message}`);
  }
  if (source.kind === 'file' && logger && (statSync(source.path).mode & 0o077) !== 0) {
    logger.warn({ template: template.name, file: source.path }, 'private key file is readable by other users; chmod 600 it');
  }
  try {
    return await parseKeySet(text);
  } catch (error) {
    if (error instanceof KratosError) throw fail(describeKratosError(error));
    throw error;
  }
}

export async function loadMapperTemplate(config: Config, template: TokenizerTemplateConfig): Promise<MapperTemplate | null> {
  if (template.claims_mapper_url === undefined) return null;
  let source: UrlSource;
  try {
    source = parseUrlSource(template.claims_mapper_url, config.dir, ['file', 'base64']);
  } catch (error) {
    throw new ConfigError(config.file, templateKey(template, 'claims_mapper_url'), `template "${template.name}": ${(error as Error).message}`);
  }
  try {
    const text = await readUrlSource(source);
    return { name: template.name, source: text, origin: source.kind === 'file' ? source.path : 'base64://' };
  } catch (error) {
    throw new ConfigError(config.file, templateKey(template, 'claims_mapper_url'), `template "${template.name}", mapper ${sourceDescription(source)} cannot be read: ${(error as Error).message}`);
  }
}

/** Kratos's reason followed by what exactly is wrong (kept in `details`), for one-line start-up messages. */
export function describeKratosError(error: KratosError): string {
  const reason = error.reason ?? error.message;
  const explanation = Object.values(error.details ?? {})
    .filter((d): d is string => typeof d === 'string')
    .join('; ')
    // Jsonnet errors span several lines (message, then a stack trace); a start-up message is one line.
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .join(' ');
  return explanation ? `${reason} ${explanation}` : reason;
}
