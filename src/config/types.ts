/**
 * The validated, normalized configuration. Field names follow kratos.yml; durations are in milliseconds and
 * relative paths are resolved, so nothing downstream parses config text again.
 */
export interface TokenizerTemplateConfig {
  name: string;
  ttlMs: number;
  jwksUrl: string;
  claimsMapperUrl: string | null;
  subjectSource: 'id' | 'external_id';
}

export interface OidcProviderConfig {
  id: string;
  provider: 'generic' | 'google' | 'github' | 'auth0' | 'microsoft';
  label: string | null;
  clientId: string;
  clientSecret: string | null;
  issuerUrl: string | null;
  authUrl: string | null;
  tokenUrl: string | null;
  mapperUrl: string;
  scope: string[];
  microsoftTenant: string | null;
  subjectSource: 'userinfo' | 'me' | 'oid' | null;
  claimsSource: 'id_token' | 'userinfo';
  pkce: 'auto' | 'never' | 'force';
  requestedClaims: Record<string, unknown> | null;
}

export interface SlidingWindowLimit {
  limit: number;
  windowMs: number;
}

export type SameSite = 'Strict' | 'Lax' | 'None';

export interface Config {
  /** Absolute path of kratos.yml, or null when running on defaults only. */
  file: string | null;
  /** Folder that relative `file://` URLs are resolved against. */
  dir: string;
  dsn: string;
  dev: boolean;
  serve: {
    public: { baseUrl: string; host: string; port: number };
    admin: { baseUrl: string; host: string; port: number };
  };
  identity: {
    defaultSchemaId: string;
    schemas: Array<{ id: string; url: string }>;
  };
  selfservice: {
    defaultBrowserReturnUrl: string;
    allowedReturnUrls: string[];
    methods: {
      password: {
        enabled: boolean;
        minPasswordLength: number;
        identifierSimilarityCheckEnabled: boolean;
      };
      oidc: {
        enabled: boolean;
        baseRedirectUri: string;
        providers: OidcProviderConfig[];
      };
    };
    flows: {
      login: { uiUrl: string; lifespanMs: number; afterDefaultReturnUrl: string | null };
      registration: {
        enabled: boolean;
        uiUrl: string;
        lifespanMs: number;
        loginHints: boolean;
        afterPasswordHooks: string[];
        afterOidcHooks: string[];
        afterDefaultReturnUrl: string | null;
      };
      logout: { afterDefaultReturnUrl: string | null };
      error: { uiUrl: string };
    };
  };
  session: {
    lifespanMs: number;
    cookie: { name: string; domain: string | null; path: string; sameSite: SameSite; persistent: boolean };
    tokenizerTemplates: Map<string, TokenizerTemplateConfig>;
  };
  hashers: {
    argon2: { memoryKiB: number; iterations: number; parallelism: number; saltLength: number; keyLength: number };
  };
  secrets: { cookie: string[]; cipher: string[] };
  log: { level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent'; leakSensitiveValues: boolean };
  tessera: {
    generateMissingKeys: boolean;
    jwksMaxAgeSeconds: number;
    tokenizer: { mapperTimeoutMs: number; workers: number; mapperCacheMaxEntries: number; mapperMaxMemoryBytes: number };
    adminApiKey: string | null;
    /** `tessera.admin.allowed_hosts`, lower-cased: names the admin API answers to besides its own (admin-host.ts). */
    adminAllowedHosts: string[];
    usersApiKey: string | null;
    trustedProxies: string[];
    rateLimits: {
      enabled: boolean;
      login: { perIdentifier: SlidingWindowLimit; perIp: SlidingWindowLimit };
      registration: { perIdentifier: SlidingWindowLimit; perIp: SlidingWindowLimit };
    };
    maxBodyBytes: number;
    hashingConcurrency: number;
    /** `sessionCacheMaxEntries`: the SQLite store's whoami cache (store/sqlite/session-cache.ts); 0 turns it off. */
    database: { maxConnections: number; statementTimeoutMs: number; sessionCacheMaxEntries: number; migrationLockTimeoutMs: number };
    /** Deleting expired rows (src/runtime/cleanup.ts): the maintenance's session retention, and the batch size. */
    cleanup: { expiredSessionRetentionMs: number; batchSize: number };
    /** How long SIGTERM waits for in-flight requests before closing their connections. */
    shutdownGraceMs: number;
  };
}
