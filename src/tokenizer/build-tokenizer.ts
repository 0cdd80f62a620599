import { compactVerify, createLocalJWKSet } from 'jose';
import type { Logger } from 'pino';
import { ConfigError } from '../config/config-error.js';
import type { Config, TokenizerTemplateConfig } from '../config/types.js';
import type { PublishedKeys, SessionTokenizer } from '../deps.js';
import { parseUrlSource, sourceDescription } from '../config/url-source.js';
import { KratosError } from '../errors/kratos-error.js';
import type { IdentitySchemas } from '../identity/identity-schemas.js';
import type { ClaimsMapper, ClaimsMapperOptions, MapperTemplate } from './claims-mapper.js';
import { JwtSigner } from './jwt-signer.js';
import type { KeySet, PublicJwk } from './key-set.js';
import { createClaimsMapper } from './mapper/create-claims-mapper.js';
import { generateMissingKeyFiles } from './missing-key-files.js';
import { jwksMaxAgeSeconds, publishKeys, UnpublishableKeyError } from './published-keys.js';
import { sampleSession } from './sample-session.js';
import { TemplateTokenizer, type ReadyTemplate } from './session-tokenizer.js';
import { POSTGREST_ALGORITHMS } from './signing-algorithms.js';
import { buildTokenClaims } from './token-claims.js';
import { describeKratosError, keySourceOf, loadMapperTemplate, loadTemplateKeySet } from './template-sources.js';

export interface TokenizerRuntime {
  tokenizer: SessionTokenizer;
  keys: PublishedKeys & { jwks: { keys: PublicJwk[] } };
  /** Stops the mapper engine. */
  close(): Promise<void>;
}

/**
 * Everything `tokenize_as` and `/.well-known/jwks.json` need, built and checked once at start: missing key files
 * generated, every key file parsed and validated, the public set assembled, the mapper engine started, and each
 * template run end to end (mapper on a sample session, signature, verification against the published set).
 * Anything wrong stops the start with a ConfigError naming the template, the file and the error.
 */
export async function buildTokenizer(config: Config, schemas: IdentitySchemas, logger: Logger, now: () => Date): Promise<TokenizerRuntime> {
  await generateMissingKeyFiles(config, logger);
  const keySets = await loadKeySets(config, logger);
  const keys = publishTemplateKeys(config, keySets);

  const mapperTemplates = (await Promise.all([...config.session.whoami.tokenizer.templates.values()].map((t) => loadMapperTemplate(config, t)))).filter(
    (t): t is MapperTemplate => t !== null,
  );
  const mapper = mapperTemplates.length > 0 ? await createClaimsMapper(mapperTemplates, mapperOptions(config)) : null;
  const ready = new Map<string, ReadyTemplate>();
  try {
    for (const template of config.session.whoami.tokenizer.templates.values()) {
      const signer = new JwtSigner(keySets.get(template.name) as KeySet);
      await checkTemplate(config, template, signer, mapper, schemas, keys.jwks, now());
      ready.set(template.name, { config: template, signer });
    }
  } catch (error) {
    await mapper?.close();
    throw error;
  }
  return {
    tokenizer: new TemplateTokenizer(ready, mapper, config.serve.public.base_url, now),
    keys,
    close: async () => mapper?.close(),
  };
}

/** The public JWKS alone, for the CLI (`tessera jwks`, `tessera config ...`): no key generation, no mapper. */
export async function loadPublishedKeys(config: Config, templateNames?: string[]): Promise<TokenizerRuntime['keys']> {
  const keySets = await loadKeySets(config, null, templateNames);
  return publishTemplateKeys(config, keySets);
}

export function mapperOptions(config: Config): ClaimsMapperOptions {
  const { mapper_timeout, workers, mapper_cache_max_entries, mapper_max_memory } = config.tessera.tokenizer;
  return { timeoutMs: mapper_timeout, workers, cacheMaxEntries: mapper_cache_max_entries, maxMemoryBytes: mapper_max_memory };
}

async function loadKeySets(config: Config, logger: Logger | null, templateNames?: string[]): Promise<Map<string, KeySet>> {
  const keySets = new Map<string, KeySet>();
  for (const template of config.session.whoami.tokenizer.templates.values()) {
    if (templateNames && !templateNames.includes(template.name)) continue;
    const keySet = await loadTemplateKeySet(config, template, logger);
    keySets.set(template.name, keySet);
    const alg = keySet.signing.algorithm.alg;
    if (logger && !POSTGREST_ALGORITHMS.has(alg)) {
      logger.warn({ template: template.name, alg }, 'this template signs with an algorithm PostgREST cannot verify (it accepts EdDSA, ES256, RS256/384/512)');
    }
  }
  return keySets;
}

function publishTemplateKeys(config: Config, keySets: Map<string, KeySet>): TokenizerRuntime['keys'] {
  try {
    return publishKeys([...keySets].map(([template, keySet]) => ({ template, keySet })), jwksMaxAgeSeconds(config));
  } catch (error) {
    if (error instanceof UnpublishableKeyError) {
      throw new ConfigError(config.file, `session.whoami.tokenizer.templates.${error.template}.jwks_url`, `template "${error.template}": ${error.message}`);
    }
    throw error;
  }
}

/** One token per template on a sample session, exactly as a request would make it, verified as a consumer would. */
async function checkTemplate(
  config: Config,
  template: TokenizerTemplateConfig,
  signer: JwtSigner,
  mapper: ClaimsMapper | null,
  schemas: IdentitySchemas,
  jwks: { keys: PublicJwk[] },
  now: Date,
): Promise<void> {
  const keyPath = (member: string): string => `session.whoami.tokenizer.templates.${template.name}.${member}`;
  const reasonOf = (error: unknown): string => (error instanceof KratosError ? describeKratosError(error) : (error as Error).message);
  const sample = sampleSession(template, schemas.getDefault(), now);
  let claims: Record<string, unknown>;
  try {
    claims = await buildTokenClaims({ template, subject: sample.subject, sessionJson: sample.sessionJson, issuer: config.serve.public.base_url, now }, mapper);
  } catch (error) {
    const mapperFile = sourceDescription(parseUrlSource(template.claims_mapper_url ?? '', config.dir));
    throw new ConfigError(config.file, keyPath('claims_mapper_url'), `template "${template.name}", mapper ${mapperFile}, run on a sample session: ${reasonOf(error)}`);
  }
  const keyFile = sourceDescription(keySourceOf(config, template));
  try {
    const token = await signer.sign(claims);
    await compactVerify(token, createLocalJWKSet(jwks), { algorithms: [signer.alg] });
  } catch (error) {
    throw new ConfigError(config.file, keyPath('jwks_url'), `template "${template.name}", key file ${keyFile}: a token signed with kid "${signer.kid}" does not verify against the published key set: ${reasonOf(error)}`);
  }
}
