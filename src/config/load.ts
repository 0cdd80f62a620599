import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, resolve } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parseDocument } from 'yaml';
import { parseByteSize } from './byte-size.js';
import { ConfigError } from './config-error.js';
import { parseDuration } from './duration.js';
import { applyOverride, collectEnvOverrides } from './env-overrides.js';
import { configSchema } from './schema.js';
import { checkTrustedProxy } from './trusted-proxy.js';
import { joinUrl } from './join-url.js';
import type { Config, OidcProviderConfig, SlidingWindowLimit, TokenizerTemplateConfig } from './types.js';
import { maxHashingConcurrency, threadPoolSize } from '../runtime/thread-pool.js';

// ajv-formats ships CommonJS with a default export property.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

export interface LoadConfigOptions {
  /** Path to kratos.yml. When omitted, `./kratos.yml` is used if it exists, otherwise built-in defaults. */
  file?: string | null;
  env?: NodeJS.ProcessEnv;
  /** Values merged over the file before env overrides (used by tests). */
  overrides?: Record<string, unknown>;
}

const ajv = new Ajv({ allErrors: false, useDefaults: true, strict: false });
addFormats(ajv);
const validate = ajv.compile(configSchema);

export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const file = resolveFile(options.file);
  const document = file ? readYaml(file) : {};
  if (options.overrides) deepMerge(document, options.overrides);
  for (const override of collectEnvOverrides(configSchema as never, env)) applyOverride(document, override);

  if (!validate(document)) throw new ConfigError(file, keyPathOf(validate.errors?.[0]), reasonOf(validate.errors?.[0]));
  return normalize(document as unknown as RawConfig, file);
}

function resolveFile(file: string | null | undefined): string | null {
  if (file === null) return null;
  if (file !== undefined) {
    const absolute = resolve(file);
    if (!existsSync(absolute)) throw new ConfigError(absolute, null, 'file does not exist');
    return absolute;
  }
  const fallback = resolve('kratos.yml');
  return existsSync(fallback) ? fallback : null;
}

function readYaml(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(file, null, `cannot read file: ${(error as Error).message}`);
  }
  const parsed = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const first = parsed.errors[0];
  if (first) throw new ConfigError(file, null, `invalid YAML: ${first.message.split('\n')[0]}`);
  const value: unknown = parsed.toJS({ maxAliasCount: 100 });
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new ConfigError(file, null, 'the top level must be a mapping');
  return value as Record<string, unknown>;
}

function deepMerge(target: Record<string, unknown>, source: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(source)) {
    const existing = target[key];
    if (isPlainObject(value) && isPlainObject(existing)) deepMerge(existing, value);
    else target[key] = value;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function keyPathOf(error: ErrorObject | undefined): string | null {
  if (!error) return null;
  const segments = error.instancePath.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (error.keyword === 'required') segments.push(String((error.params as { missingProperty: string }).missingProperty));
  if (error.keyword === 'additionalProperties') segments.push(String((error.params as { additionalProperty: string }).additionalProperty));
  if (error.keyword === 'propertyNames') segments.push(String((error.params as { propertyName: string }).propertyName));
  return segments.length ? segments.join('.') : '(root)';
}

function reasonOf(error: ErrorObject | undefined): string {
  if (!error) return 'invalid configuration';
  switch (error.keyword) {
    case 'additionalProperties':
      return 'unknown key';
    case 'required':
      return 'is required';
    case 'enum':
      return `must be one of ${(error.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'pattern':
      return `${error.message ?? 'invalid format'}`;
    default:
      return error.message ?? 'invalid value';
  }
}

// The shape Ajv leaves behind once defaults are applied (snake_case, as in kratos.yml).
interface RawWindow { limit: number; window: string }
interface RawConfig {
  dsn: string;
  dev: boolean;
  serve: { public: { base_url?: string; host: string; port: number }; admin: { base_url?: string; host: string; port: number } };
  identity: { default_schema_id: string; schemas: Array<{ id: string; url: string }> };
  selfservice: {
    default_browser_return_url?: string;
    allowed_return_urls?: string[];
    methods: {
      password: { enabled: boolean; config: { min_password_length: number; identifier_similarity_check_enabled: boolean } };
      oidc: { enabled: boolean; config: { base_redirect_uri?: string; providers: RawProvider[] } };
    };
    flows: {
      login: { ui_url?: string; lifespan: string; after?: { default_browser_return_url?: string } };
      registration: {
        enabled: boolean;
        ui_url?: string;
        lifespan: string;
        login_hints: boolean;
        after: { default_browser_return_url?: string; password: { hooks: Array<{ hook: string }> }; oidc: { hooks: Array<{ hook: string }> } };
      };
      logout: { after?: { default_browser_return_url?: string } };
      error: { ui_url?: string };
    };
  };
  session: {
    lifespan: string;
    cookie: { name: string; domain?: string; path: string; same_site: 'Strict' | 'Lax' | 'None'; persistent: boolean };
    whoami: { tokenizer: { templates: Record<string, { ttl: string; jwks_url: string; claims_mapper_url?: string; subject_source: 'id' | 'external_id' }> } };
  };
  hashers: { argon2: { memory: string; iterations: number; parallelism: number; salt_length: number; key_length: number } };
  secrets: { default?: string[]; cookie?: string[]; cipher?: string[] };
  log: { level: string; leak_sensitive_values: boolean };
  tessera: {
    keys: { generate_missing: boolean };
    jwks: { max_age: string };
    tokenizer: { mapper_timeout: string; workers?: number; mapper_cache_max_entries: number; mapper_max_memory: string };
    admin: { api_key?: string; allowed_hosts: string[] };
    users_api: { api_key?: string };
    trusted_proxies: string[];
    rate_limits: {
      enabled: boolean;
      login: { per_identifier: RawWindow; per_ip: RawWindow };
      registration: { per_identifier: RawWindow; per_ip: RawWindow };
    };
    limits: { max_body_size: string; hashing_concurrency?: number };
    database: { max_connections: number; statement_timeout: string; session_cache_max_entries: number; migration_lock_timeout: string };
    cleanup: { expired_session_retention: string; batch_size: number };
    shutdown: { grace_period: string };
  };
}
interface RawProvider {
  id: string;
  provider: OidcProviderConfig['provider'];
  label?: string;
  client_id: string;
  client_secret?: string;
  issuer_url?: string;
  auth_url?: string;
  token_url?: string;
  mapper_url: string;
  scope?: string[];
  microsoft_tenant?: string;
  subject_source?: OidcProviderConfig['subjectSource'];
  claims_source?: OidcProviderConfig['claimsSource'];
  pkce: OidcProviderConfig['pkce'];
  requested_claims?: Record<string, unknown>;
}

function normalize(raw: RawConfig, file: string | null): Config {
  const duration = (keyPath: string, value: string): number => {
    try {
      return parseDuration(value);
    } catch (error) {
      throw new ConfigError(file, keyPath, (error as Error).message);
    }
  };
  const bytes = (keyPath: string, value: string): number => {
    try {
      return parseByteSize(value);
    } catch (error) {
      throw new ConfigError(file, keyPath, (error as Error).message);
    }
  };
  const window = (keyPath: string, value: RawWindow): SlidingWindowLimit => ({ limit: value.limit, windowMs: duration(`${keyPath}.window`, value.window) });

  // Kept verbatim: Kratos uses serve.public.base_url as the JWT `iss` exactly as written (trailing slash or not).
  const publicBase = raw.serve.public.base_url ?? `http://localhost:${raw.serve.public.port}/`;
  const adminBase = raw.serve.admin.base_url ?? `http://${hostForUrl(raw.serve.admin.host)}:${raw.serve.admin.port}/`;
  const publicUrl = (path: string): string => joinUrl(publicBase, path);
  // Unset, the redirect defaults follow the public base URL (and so SERVE_PUBLIC_PORT / SERVE_PUBLIC_BASE_URL):
  // a browser is sent back to this instance's own pages, and return_to may name any of them.
  const defaultBrowserReturnUrl = raw.selfservice.default_browser_return_url ?? publicUrl('ui/welcome');
  const allowedReturnUrls = raw.selfservice.allowed_return_urls ?? [...new Set([publicBase, defaultBrowserReturnUrl])];

  if (!raw.identity.schemas.some((s) => s.id === raw.identity.default_schema_id)) {
    throw new ConfigError(file, 'identity.default_schema_id', `no schema with id "${raw.identity.default_schema_id}" in identity.schemas`);
  }
  const seenSchemaIds = new Set<string>();
  raw.identity.schemas.forEach((schema, index) => {
    if (seenSchemaIds.has(schema.id)) throw new ConfigError(file, `identity.schemas.${index}.id`, `duplicate schema id "${schema.id}"`);
    seenSchemaIds.add(schema.id);
  });

  raw.tessera.trusted_proxies.forEach((entry, index) => {
    try {
      checkTrustedProxy(entry);
    } catch (error) {
      throw new ConfigError(file, `tessera.trusted_proxies.${index}`, (error as Error).message);
    }
  });

  const templates = new Map<string, TokenizerTemplateConfig>();
  for (const [name, template] of Object.entries(raw.session.whoami.tokenizer.templates)) {
    templates.set(name, {
      name,
      ttlMs: duration(`session.whoami.tokenizer.templates.${name}.ttl`, template.ttl),
      jwksUrl: template.jwks_url,
      claimsMapperUrl: template.claims_mapper_url ?? null,
      subjectSource: template.subject_source,
    });
  }

  const seenProviderIds = new Set<string>();
  const providers = raw.selfservice.methods.oidc.config.providers.map((p, index): OidcProviderConfig => {
    if (seenProviderIds.has(p.id)) throw new ConfigError(file, `selfservice.methods.oidc.config.providers.${index}.id`, `duplicate provider id "${p.id}"`);
    seenProviderIds.add(p.id);
    return {
      id: p.id,
      provider: p.provider,
      label: p.label ?? null,
      clientId: p.client_id,
      clientSecret: p.client_secret ?? null,
      issuerUrl: p.issuer_url ?? null,
      authUrl: p.auth_url ?? null,
      tokenUrl: p.token_url ?? null,
      mapperUrl: p.mapper_url,
      scope: p.scope ?? [],
      microsoftTenant: p.microsoft_tenant ?? null,
      subjectSource: p.subject_source ?? null,
      claimsSource: p.claims_source ?? 'id_token',
      pkce: p.pkce,
      requestedClaims: p.requested_claims ?? null,
    };
  });

  const hooksOf = (list: Array<{ hook: string }>): string[] => list.map((h) => h.hook);
  const level = raw.log.level === 'warning' ? 'warn' : raw.log.level === 'panic' ? 'fatal' : raw.log.level;

  return {
    file,
    dir: file ? dirname(file) : process.cwd(),
    dsn: raw.dsn,
    dev: raw.dev,
    serve: {
      public: { baseUrl: publicBase, host: raw.serve.public.host, port: raw.serve.public.port },
      admin: { baseUrl: adminBase, host: raw.serve.admin.host, port: raw.serve.admin.port },
    },
    identity: { defaultSchemaId: raw.identity.default_schema_id, schemas: raw.identity.schemas },
    selfservice: {
      defaultBrowserReturnUrl,
      allowedReturnUrls,
      methods: {
        password: {
          enabled: raw.selfservice.methods.password.enabled,
          minPasswordLength: raw.selfservice.methods.password.config.min_password_length,
          identifierSimilarityCheckEnabled: raw.selfservice.methods.password.config.identifier_similarity_check_enabled,
        },
        oidc: {
          enabled: raw.selfservice.methods.oidc.enabled,
          baseRedirectUri: raw.selfservice.methods.oidc.config.base_redirect_uri ?? publicBase,
          providers,
        },
      },
      flows: {
        login: {
          uiUrl: raw.selfservice.flows.login.ui_url ?? publicUrl('ui/login'),
          lifespanMs: duration('selfservice.flows.login.lifespan', raw.selfservice.flows.login.lifespan),
          afterDefaultReturnUrl: raw.selfservice.flows.login.after?.default_browser_return_url ?? null,
        },
        registration: {
          enabled: raw.selfservice.flows.registration.enabled,
          uiUrl: raw.selfservice.flows.registration.ui_url ?? publicUrl('ui/registration'),
          lifespanMs: duration('selfservice.flows.registration.lifespan', raw.selfservice.flows.registration.lifespan),
          loginHints: raw.selfservice.flows.registration.login_hints,
          afterPasswordHooks: hooksOf(raw.selfservice.flows.registration.after.password.hooks),
          afterOidcHooks: hooksOf(raw.selfservice.flows.registration.after.oidc.hooks),
          afterDefaultReturnUrl: raw.selfservice.flows.registration.after.default_browser_return_url ?? null,
        },
        logout: { afterDefaultReturnUrl: raw.selfservice.flows.logout.after?.default_browser_return_url ?? null },
        error: { uiUrl: raw.selfservice.flows.error.ui_url ?? publicUrl('ui/error') },
      },
    },
    session: {
      lifespanMs: duration('session.lifespan', raw.session.lifespan),
      cookie: {
        name: raw.session.cookie.name,
        domain: raw.session.cookie.domain ?? null,
        path: raw.session.cookie.path,
        sameSite: raw.session.cookie.same_site,
        persistent: raw.session.cookie.persistent,
      },
      tokenizerTemplates: templates,
    },
    hashers: {
      argon2: {
        memoryKiB: Math.floor(bytes('hashers.argon2.memory', raw.hashers.argon2.memory) / 1024),
        iterations: raw.hashers.argon2.iterations,
        parallelism: raw.hashers.argon2.parallelism,
        saltLength: raw.hashers.argon2.salt_length,
        keyLength: raw.hashers.argon2.key_length,
      },
    },
    secrets: {
      cookie: raw.secrets.cookie ?? raw.secrets.default ?? [],
      cipher: raw.secrets.cipher ?? [],
    },
    log: { level: level as Config['log']['level'], leakSensitiveValues: raw.log.leak_sensitive_values },
    tessera: {
      generateMissingKeys: raw.tessera.keys.generate_missing,
      jwksMaxAgeSeconds: Math.floor(duration('tessera.jwks.max_age', raw.tessera.jwks.max_age) / 1000),
      tokenizer: {
        mapperTimeoutMs: duration('tessera.tokenizer.mapper_timeout', raw.tessera.tokenizer.mapper_timeout),
        workers: raw.tessera.tokenizer.workers ?? Math.max(1, Math.min(4, availableParallelism())),
        mapperCacheMaxEntries: raw.tessera.tokenizer.mapper_cache_max_entries,
        mapperMaxMemoryBytes: bytes('tessera.tokenizer.mapper_max_memory', raw.tessera.tokenizer.mapper_max_memory),
      },
      adminApiKey: raw.tessera.admin.api_key ?? null,
      adminAllowedHosts: raw.tessera.admin.allowed_hosts.map((host) => host.toLowerCase()),
      usersApiKey: raw.tessera.users_api.api_key ?? null,
      trustedProxies: raw.tessera.trusted_proxies,
      rateLimits: {
        enabled: raw.tessera.rate_limits.enabled,
        login: {
          perIdentifier: window('tessera.rate_limits.login.per_identifier', raw.tessera.rate_limits.login.per_identifier),
          perIp: window('tessera.rate_limits.login.per_ip', raw.tessera.rate_limits.login.per_ip),
        },
        registration: {
          perIdentifier: window('tessera.rate_limits.registration.per_identifier', raw.tessera.rate_limits.registration.per_identifier),
          perIp: window('tessera.rate_limits.registration.per_ip', raw.tessera.rate_limits.registration.per_ip),
        },
      },
      maxBodyBytes: bytes('tessera.limits.max_body_size', raw.tessera.limits.max_body_size),
      hashingConcurrency: raw.tessera.limits.hashing_concurrency ?? Math.max(1, Math.min(availableParallelism() - 1, maxHashingConcurrency(threadPoolSize()))),
      database: {
        maxConnections: raw.tessera.database.max_connections,
        statementTimeoutMs: duration('tessera.database.statement_timeout', raw.tessera.database.statement_timeout),
        sessionCacheMaxEntries: raw.tessera.database.session_cache_max_entries,
        migrationLockTimeoutMs: duration('tessera.database.migration_lock_timeout', raw.tessera.database.migration_lock_timeout),
      },
      cleanup: {
        expiredSessionRetentionMs: duration('tessera.cleanup.expired_session_retention', raw.tessera.cleanup.expired_session_retention),
        batchSize: raw.tessera.cleanup.batch_size,
      },
      shutdownGraceMs: duration('tessera.shutdown.grace_period', raw.tessera.shutdown.grace_period),
    },
  };
}


function hostForUrl(host: string): string {
  if (host === '0.0.0.0' || host === '' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
