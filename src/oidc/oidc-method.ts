import type { Logger } from 'pino';
import { ConfigError } from '../config/config-error.js';
import { parseUrlSource, readUrlSourceSync, sourceDescription } from '../config/url-source.js';
import type { Config } from '../config/types.js';
import type { MapperSource } from './data-mapper.js';
import { createChildJsonnetEvaluator, type JsonnetEvaluator } from './jsonnet-child-evaluator.js';
import { TokenCipher } from './token-cipher.js';
import { UpstreamClient } from './upstream-client.js';
import { resolveUpstreamProvider, type UpstreamProvider } from './upstream-provider.js';

/**
 * Upstream sign-in ("social sign-in", Kratos's `oidc` method) as the flows see it: the configured providers
 * with their clients and mappers, the Jsonnet evaluator for mappers and the cipher for upstream tokens.
 * Built once at start by buildOidcMethod(); absent from Deps when the method is disabled.
 */
export interface ConfiguredProvider extends UpstreamProvider {
  client: UpstreamClient;
  mapper: MapperSource;
}

export class OidcMethod {
  private readonly byId: Map<string, ConfiguredProvider>;

  constructor(
    readonly providers: readonly ConfiguredProvider[],
    readonly evaluator: JsonnetEvaluator,
    /** Null when `secrets.cipher` is empty: then upstream tokens are not stored at all. */
    readonly cipher: TokenCipher | null,
  ) {
    this.byId = new Map(providers.map((p) => [p.config.id, p]));
  }

  provider(id: string): ConfiguredProvider | undefined {
    return this.byId.get(id);
  }
}

/**
 * Long enough for a process start plus any sane mapper on a busy machine; a mapper that needs more is broken.
 * Kratos allows 1 s of pure evaluation in its pooled VMs; the process start is extra here.
 */
export const DATA_MAPPER_TIMEOUT_MS = 5_000;

export interface BuildOidcOptions {
  evaluator?: JsonnetEvaluator;
}

/**
 * Checks every provider entry and mapper at start (a malformed one stops the start, naming the provider) and
 * begins discovery in the background. Discovery failures only log: the provider is retried on first use.
 */
export async function buildOidcMethod(config: Config, logger: Logger, options: BuildOidcOptions = {}): Promise<OidcMethod | null> {
  const oidc = config.selfservice.methods.oidc;
  if (!oidc.enabled) return null;
  let cipher: TokenCipher | null = null;
  if (config.secrets.cipher.length > 0) {
    try {
      cipher = new TokenCipher(config.secrets.cipher);
    } catch (error) {
      throw new ConfigError(config.file, 'secrets.cipher', (error as Error).message);
    }
  }
  const evaluator = options.evaluator ?? createChildJsonnetEvaluator({ timeoutMs: DATA_MAPPER_TIMEOUT_MS });
  const providers: ConfiguredProvider[] = oidc.config.providers.map((entry, index) => {
    const resolved = resolveUpstreamProvider(config, entry, index);
    const mapper = readMapper(config, entry.mapper_url, `selfservice.methods.oidc.config.providers.${index}.mapper_url`, entry.id);
    return { ...resolved, client: new UpstreamClient(resolved), mapper };
  });
  // One process per mapper, in parallel: the start should not wait for them one after another.
  await Promise.all(providers.map((p, index) => checkMapperSyntax(evaluator, p.mapper, config, index, p.config.id, logger)));
  if (providers.length > 0 && !cipher) logger.info('secrets.cipher is not set: upstream OIDC tokens are not stored');
  for (const provider of providers) {
    provider.client.configuration().catch((error: unknown) => {
      logger.warn({ provider: provider.config.id, err: { message: (error as Error).message } }, 'OIDC provider discovery failed at start; it is retried on first use');
    });
  }
  return new OidcMethod(providers, evaluator, cipher);
}

function readMapper(config: Config, url: string, keyPath: string, providerId: string): MapperSource {
  try {
    const source = parseUrlSource(url, config.dir);
    try {
      return { source: readUrlSourceSync(source), origin: source.kind === 'file' ? source.path : 'base64://' };
    } catch (error) {
      throw new Error(`cannot read ${sourceDescription(source)}: ${(error as Error).message}`, { cause: error });
    }
  } catch (error) {
    throw new ConfigError(config.file, keyPath, `provider "${providerId}": ${(error as Error).message}`);
  }
}

/**
 * Runs the mapper once on sample claims. Only a syntax error stops the start: a runtime error can be a
 * mapper refusing the sample on purpose (`error 'email not verified'`), which is its job.
 */
async function checkMapperSyntax(evaluator: JsonnetEvaluator, mapper: MapperSource, config: Config, index: number, providerId: string, logger: Logger): Promise<void> {
  const sample = { iss: 'https://issuer.example/', sub: 'sample-subject', email: 'sample@example.org', email_verified: true, name: 'Sample User', raw_claims: {} };
  const result = await evaluator.evaluate({ source: mapper.source, filename: mapper.origin, extVars: { claims: sample, identity: { traits: {}, metadata_public: {}, metadata_admin: {} } } });
  if (result.ok) return;
  if (result.error.startsWith('STATIC ERROR')) {
    throw new ConfigError(config.file, `selfservice.methods.oidc.config.providers.${index}.mapper_url`, `provider "${providerId}": the mapper does not parse: ${result.error.split('\n')[0]}`);
  }
  logger.warn({ provider: providerId, error: result.error.split('\n')[0] }, 'OIDC data mapper failed on sample claims (this may be intended)');
}
