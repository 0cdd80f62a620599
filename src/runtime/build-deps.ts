import type { Logger } from 'pino';
import { ConfigError } from '../config/config-error.js';
import type { Config } from '../config/types.js';
import type { Deps } from '../deps.js';
import { IdentitySchemas } from '../identity/identity-schemas.js';
import { importedHashFormats } from '../identity/hash-formats/imported-hash-formats.js';
import { PasswordHasher } from '../identity/password-hasher.js';
import { buildOidcMethod } from '../oidc/oidc-method.js';
import { RateLimitBlocks } from '../selfservice/rate-limit-blocks.js';
import { openConfiguredStore } from '../store/open-store.js';
import type { Store } from '../store/store.js';
import { buildTokenizer } from '../tokenizer/build-tokenizer.js';
import { VERSION } from './version.js';
import { maxHashingConcurrency, threadPoolSize } from './thread-pool.js';

export interface Runtime {
  deps: Deps;
  /** Releases what building the deps acquired (database, tokenizer workers). */
  close(): Promise<void>;
}

/**
 * Builds everything the apps need from a validated config, checking at start what can be checked: identity
 * schemas, the admin exposure rule, the database (migrated here), and every tokenizer template (keys and mapper).
 */
export async function buildRuntime(config: Config, logger: Logger, options: { store?: Store; now?: () => Date } = {}): Promise<Runtime> {
  assertAdminExposure(config);
  const schemas = new IdentitySchemas(config);
  const store = options.store ?? (await openConfiguredStore(config));
  try {
    await store.migrate();
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
  const now = options.now ?? (() => new Date());
  let tokenizer: Awaited<ReturnType<typeof buildTokenizer>>;
  try {
    tokenizer = await buildTokenizer(config, schemas, logger, now);
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
  let oidc: Awaited<ReturnType<typeof buildOidcMethod>>;
  try {
    oidc = await buildOidcMethod(config, logger);
  } catch (error) {
    await tokenizer.close().catch(() => undefined);
    await store.close().catch(() => undefined);
    throw error;
  }
  const hasher = new PasswordHasher(config.hashers.argon2, {
    concurrency: hashingConcurrency(config, logger),
    maxQueued: config.tessera.limits.hashing_queue_size,
    formats: importedHashFormats,
  });
  await hasher.prime();
  const deps: Deps = {
    config,
    store,
    schemas,
    hasher,
    rateLimitBlocks: new RateLimitBlocks(),
    logger,
    now,
    tokenizer: tokenizer.tokenizer,
    keys: tokenizer.keys,
    version: VERSION,
    oidc,
  };
  return {
    deps,
    async close() {
      await tokenizer.close();
      await store.close();
    },
  };
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** The admin API has no authentication of its own in Kratos; off loopback Tessera insists on an API key. */
function assertAdminExposure(config: Config): void {
  if (!LOOPBACK.has(config.serve.admin.host) && !config.tessera.admin.api_key) {
    throw new ConfigError(
      config.file,
      'serve.admin.host',
      `the admin API listens on "${config.serve.admin.host}", which is not loopback, so an admin API key is required (set tessera.admin.api_key or TESSERA_ADMIN_API_KEY)`,
    );
  }
}

/** `tessera.limits.hashing_concurrency`, held to what libuv's thread pool can spare (thread-pool.ts). */
function hashingConcurrency(config: Config, logger: Logger): number {
  const poolSize = threadPoolSize();
  const allowed = maxHashingConcurrency(poolSize);
  if (config.tessera.limits.hashing_concurrency <= allowed) return config.tessera.limits.hashing_concurrency;
  logger.warn(
    { configured: config.tessera.limits.hashing_concurrency, used: allowed, uv_threadpool_size: poolSize },
    `tessera.limits.hashing_concurrency is ${config.tessera.limits.hashing_concurrency}, but libuv's thread pool has ${poolSize} threads and signing needs some: hashing ${allowed} at once. Start Tessera with UV_THREADPOOL_SIZE=${config.tessera.limits.hashing_concurrency + 2} or more to hash more at once.`,
  );
  return allowed;
}
