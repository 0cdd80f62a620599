import { Type, type StaticDecode } from '@sinclair/typebox';
import { availableParallelism } from 'node:os';
import { maxHashingConcurrency, threadPoolSize } from '../runtime/thread-pool.js';
import { joinUrl } from './join-url.js';
import { notImplementedKeys, notImplementedValues } from './not-implemented.js';
import { ByteSize, Duration, Port, Section, StringEnum, Url } from './schema-types.js';

/**
 * kratos.yml: the one declaration of Tessera's configuration. The structure follows Ory Kratos's config schema
 * (https://github.com/ory/kratos/blob/master/embedx/config.schema.json) for every key Kratos has; settings that
 * only Tessera has live under the top-level `tessera` key.
 *
 * Why TypeBox: a TypeBox schema *is* JSON Schema, so Ajv validates it with the messages users see (the key path
 * and the reason), fills in the defaults, and the env overrides are found by walking it (env-overrides.ts); and
 * the TypeScript type of the loaded configuration is derived from it (`StaticDecode`), Transforms included, so a
 * key is declared once. Consumers read the names users write in kratos.yml (`config.session.lifespan`), decoded:
 * durations in milliseconds, byte sizes in bytes, defaults that follow other keys filled in.
 *
 * The schema admits only what Tessera implements. Kratos keys it does not implement yet are listed with
 * `notImplementedKeys` / `notImplementedValues` where they would sit, and refused at start (not-implemented.ts).
 */

const KRATOS_HOOKS: Record<string, string> = {
  web_hook: 'the web_hook hook',
  show_verification_ui: 'the show_verification_ui hook (there is no verification flow yet)',
  revoke_active_sessions: 'the revoke_active_sessions hook',
  require_verified_address: 'the require_verified_address hook (there is no verification flow yet)',
  verification: 'the verification hook (there is no verification flow yet)',
  b2b_sso: 'the b2b_sso hook',
  organization: 'the organization hook',
};

/** Registration hooks: `session` signs the new identity in at once; the other Kratos hooks are not built yet. */
const RegistrationHooks = Type.Array(Type.Object({ hook: Type.Literal('session', notImplementedValues(KRATOS_HOOKS)) }, { additionalProperties: false }), {
  default: [],
});

/** Login hooks: none is built yet (a login always issues a session), so only an empty list is accepted. */
const LoginHooks = Type.Array(Type.Object({ hook: Type.Never(notImplementedValues(KRATOS_HOOKS)) }, { additionalProperties: false }), { default: [] });

const PER_METHOD_RETURN_URL = notImplementedKeys({
  default_browser_return_url: 'a return URL per method (set default_browser_return_url of the flow instead)',
});

/** A Kratos method Tessera does not have yet: `enabled: false` is accepted (it is what happens), `true` is refused. */
function MethodNotBuilt(label: string) {
  return Type.Optional(
    Type.Object(
      { enabled: Type.Literal(false, notImplementedValues({ true: label })) },
      { additionalProperties: false, ...notImplementedKeys({ config: `${label} settings` }) },
    ),
  );
}

/** A Kratos flow Tessera does not have yet; accepted when it is switched off, as for methods. */
function FlowNotBuilt(label: string) {
  return Type.Optional(
    Type.Object(
      { enabled: Type.Literal(false, notImplementedValues({ true: label })) },
      {
        additionalProperties: false,
        ...notImplementedKeys(Object.fromEntries(['ui_url', 'lifespan', 'use', 'after', 'before', 'notify_unknown_recipients'].map((key) => [key, `${label} (${key})`]))),
      },
    ),
  );
}

export const OidcProviderSchema = Type.Object(
  {
    id: Type.String({ pattern: '^[a-zA-Z0-9_-]+$' }),
    provider: StringEnum(
      ['generic', 'google', 'github', 'auth0', 'microsoft'],
      notImplementedValues(
        Object.fromEntries(
          // Kratos's other provider kinds (embedx/config.schema.json, selfServiceOIDCProvider).
          ['github-app', 'gitlab', 'discord', 'salesforce', 'slack', 'facebook', 'vk', 'yandex', 'apple', 'spotify', 'netid', 'dingtalk', 'patreon', 'line', 'linkedin', 'linkedin_v2', 'lark', 'x', 'fedcm-test', 'amazon', 'uaepass'].map(
            (name) => [name, `the "${name}" provider (use "generic" with its issuer_url)`],
          ),
        ),
      ),
    ),
    label: Type.Optional(Type.String()),
    client_id: Type.String({ minLength: 1 }),
    client_secret: Type.Optional(Type.String()),
    issuer_url: Type.Optional(Url()),
    auth_url: Type.Optional(Url()),
    token_url: Type.Optional(Url()),
    mapper_url: Type.String({ minLength: 1 }),
    scope: Type.Array(Type.String(), { default: [] }),
    microsoft_tenant: Type.Optional(Type.String()),
    subject_source: Type.Optional(StringEnum(['userinfo', 'me', 'oid'])),
    claims_source: StringEnum(['id_token', 'userinfo'], { default: 'id_token' }),
    pkce: StringEnum(['auto', 'never', 'force'], { default: 'auto' }),
    requested_claims: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  {
    additionalProperties: false,
    ...notImplementedKeys(
      Object.fromEntries(
        ['apple_team_id', 'apple_private_key_id', 'apple_private_key', 'organization_id', 'additional_id_token_audiences', 'aal2_acr_values', 'aal2_amr_values', 'fedcm_config_url', 'net_id_token_origin_header', 'account_linking_mode', 'update_identity_on_login'].map(
          (key) => [key, `the provider setting ${key}`],
        ),
      ),
    ),
  },
);

export const TokenizerTemplateSchema = Type.Object(
  {
    ttl: Duration({ pattern: '^([0-9]+(ns|us|ms|s|m|h))+$', default: '1m' }),
    claims_mapper_url: Type.Optional(Type.String({ minLength: 1 })),
    jwks_url: Type.String({ minLength: 1 }),
    subject_source: StringEnum(['id', 'external_id'], { default: 'id' }),
  },
  { additionalProperties: false },
);

/** The templates by name; a Map, so that `tokenize_as=constructor` finds nothing rather than Object's property. */
const TokenizerTemplates = Type.Transform(
  Type.Record(Type.String(), TokenizerTemplateSchema, { default: {}, propertyNames: { pattern: '^[a-zA-Z0-9-_.]+$' } }),
)
  .Decode((templates) => new Map(Object.entries(templates).map(([name, template]): [string, TokenizerTemplateConfig] => [name, { name, ...template }])))
  .Encode((templates) => Object.fromEntries([...templates].map(([name, { name: _name, ...template }]) => [name, template])));

export const SlidingWindowSchema = Type.Object({ limit: Type.Integer({ minimum: 1 }), window: Duration() }, { additionalProperties: false });

function slidingWindow(limit: number, window: string) {
  return Type.Object(SlidingWindowSchema.properties, { additionalProperties: false, default: { limit, window } });
}

const Serve = Type.Transform(
  Section(
    {
      public: Section(
        { base_url: Type.Optional(Url()), host: Type.String({ default: '0.0.0.0' }), port: Port({ default: 4433 }) },
        notImplementedKeys({ cors: 'CORS for the public API', tls: 'TLS (terminate it at a reverse proxy)', socket: 'listening on a unix socket', request_log: 'request_log settings' }),
      ),
      admin: Section(
        { base_url: Type.Optional(Url()), host: Type.String({ default: '127.0.0.1' }), port: Port({ default: 4434 }) },
        notImplementedKeys({ tls: 'TLS (terminate it at a reverse proxy)', socket: 'listening on a unix socket', request_log: 'request_log settings' }),
      ),
    },
  ),
)
  .Decode((serve) => ({
    // Kept verbatim when set: Kratos uses serve.public.base_url as the JWT `iss` exactly as written.
    public: { ...serve.public, base_url: serve.public.base_url ?? `http://localhost:${serve.public.port}/` },
    admin: { ...serve.admin, base_url: serve.admin.base_url ?? `http://${hostForUrl(serve.admin.host)}:${serve.admin.port}/` },
  }))
  .Encode((serve) => serve);

const Identity = Section({
  default_schema_id: Type.String({ minLength: 1, default: 'default' }),
  schemas: Type.Array(Type.Object({ id: Type.String({ minLength: 1 }), url: Type.String({ minLength: 1 }) }, { additionalProperties: false }), {
    minItems: 1,
    default: [{ id: 'default', url: 'file://templates/identity.schema.json' }],
  }),
});

const Selfservice = Section({
  default_browser_return_url: Type.Optional(Url()),
  // Unset, it follows serve.public.base_url (withPublicUrlDefaults).
  allowed_return_urls: Type.Optional(Type.Array(Url())),
  methods: Section(
    {
      password: Section({
        enabled: Type.Boolean({ default: true }),
        config: Section(
          {
            min_password_length: Type.Integer({ minimum: 6, default: 8 }),
            identifier_similarity_check_enabled: Type.Boolean({ default: true }),
            // Kratos turns the check on by default; it needs the network, so Tessera has it off.
            haveibeenpwned_enabled: Type.Literal(false, { default: false, ...notImplementedValues({ true: 'the haveibeenpwned password check' }) }),
          },
          notImplementedKeys({
            haveibeenpwned_host: 'the haveibeenpwned password check',
            max_breaches: 'the haveibeenpwned password check (max_breaches)',
            ignore_network_errors: 'the haveibeenpwned password check (ignore_network_errors)',
            migrate_hook: 'the password migration hook',
          }),
        ),
      }),
      oidc: Section({
        enabled: Type.Boolean({ default: false }),
        config: Section({ base_redirect_uri: Type.Optional(Url()), providers: Type.Array(OidcProviderSchema, { default: [] }) }),
      }),
      code: MethodNotBuilt('the code method'),
      totp: MethodNotBuilt('the totp method'),
      lookup_secret: MethodNotBuilt('the lookup_secret method'),
      webauthn: MethodNotBuilt('the webauthn method'),
      passkey: MethodNotBuilt('the passkey method'),
      profile: MethodNotBuilt('the profile method (there is no settings flow yet)'),
      link: MethodNotBuilt('the link method'),
    },
    notImplementedKeys({ saml: 'the saml method', b2b: 'the b2b method' }),
  ),
  flows: Section(
    {
      login: Section(
        {
          ui_url: Type.Optional(Url()),
          lifespan: Duration({ default: '1h' }),
          after: Section(
            {
              default_browser_return_url: Type.Optional(Url()),
              password: Section({ hooks: LoginHooks }, PER_METHOD_RETURN_URL),
              oidc: Section({ hooks: LoginHooks }, PER_METHOD_RETURN_URL),
            },
            notImplementedKeys({
              hooks: 'login hooks for every method',
              webauthn: 'the webauthn method',
              passkey: 'the passkey method',
              code: 'the code method',
              totp: 'the totp method',
              lookup_secret: 'the lookup_secret method',
            }),
          ),
        },
        notImplementedKeys({ before: 'before-login hooks', style: 'the login flow style (identifier first)' }),
      ),
      registration: Section(
        {
          enabled: Type.Boolean({ default: true }),
          ui_url: Type.Optional(Url()),
          lifespan: Duration({ default: '1h' }),
          login_hints: Type.Boolean({ default: false }),
          after: Section(
            {
              default_browser_return_url: Type.Optional(Url()),
              password: Section({ hooks: RegistrationHooks }, PER_METHOD_RETURN_URL),
              oidc: Section({ hooks: RegistrationHooks }, PER_METHOD_RETURN_URL),
            },
            notImplementedKeys({ hooks: 'registration hooks for every method', webauthn: 'the webauthn method', passkey: 'the passkey method', code: 'the code method' }),
          ),
        },
        notImplementedKeys({ before: 'before-registration hooks', style: 'the registration flow style', enable_legacy_one_step: 'the legacy one-step registration' }),
      ),
      logout: Section({ after: Section({ default_browser_return_url: Type.Optional(Url()) }) }, notImplementedKeys({ clear_browser_data: 'clearing browser data on logout' })),
      error: Section({ ui_url: Type.Optional(Url()) }),
      recovery: FlowNotBuilt('the recovery flow'),
      verification: FlowNotBuilt('the verification flow'),
    },
    notImplementedKeys({ settings: 'the settings flow' }),
  ),
});

const Session = Section(
  {
    lifespan: Duration({ default: '24h' }),
    cookie: Section(
      {
        name: Type.String({ pattern: '^[!#$%&\'*+.^_`|~0-9A-Za-z-]+$', default: 'ory_kratos_session' }),
        domain: Type.Optional(Type.String()),
        path: Type.String({ default: '/' }),
        same_site: StringEnum(['Strict', 'Lax', 'None'], { default: 'Lax' }),
        persistent: Type.Boolean({ default: true }),
      },
      notImplementedKeys({ secure: 'session.cookie.secure (the cookie is Secure when serve.public.base_url is https)' }),
    ),
    whoami: Section({
      // Only AAL1 methods exist yet, so `aal1` and `highest_available` behave the same.
      required_aal: Type.Optional(StringEnum(['aal1', 'highest_available'])),
      tokenizer: Section({ templates: TokenizerTemplates }),
    }),
  },
  notImplementedKeys({ earliest_possible_extend: 'choosing when a session may be extended' }),
);

const Hashers = Section(
  {
    algorithm: Type.Literal('argon2', { default: 'argon2', ...notImplementedValues({ bcrypt: 'hashing new passwords with bcrypt (bcrypt hashes can be imported)' }) }),
    argon2: Section(
      {
        memory: ByteSize(['B', 'KB', 'MB', 'GB', 'TB'], { default: '64MB' }),
        iterations: Type.Integer({ minimum: 1, default: 1 }),
        parallelism: Type.Integer({ minimum: 1, maximum: 255, default: 1 }),
        salt_length: Type.Integer({ minimum: 16, default: 16 }),
        key_length: Type.Integer({ minimum: 16, default: 32 }),
      },
      notImplementedKeys(
        Object.fromEntries(['expected_duration', 'expected_deviation', 'dedicated_memory'].map((key) => [key, `${key} (Kratos reads it in \`kratos hashers argon2 calibrate\`)`])),
      ),
    ),
  },
  notImplementedKeys({ bcrypt: 'hashing new passwords with bcrypt (bcrypt hashes can be imported)' }),
);

const Secrets = Type.Transform(
  Section(
    {
      default: Type.Optional(Type.Array(Type.String({ minLength: 16 }))),
      cookie: Type.Optional(Type.Array(Type.String({ minLength: 16 }))),
      cipher: Type.Array(Type.String({ minLength: 32, maxLength: 32 }), { default: [] }),
    },
    notImplementedKeys({ pagination: 'encrypted pagination tokens' }),
  ),
)
  // As in Kratos: without secrets.cookie, the cookie secrets are secrets.default.
  .Decode((secrets) => ({ ...secrets, cookie: secrets.cookie ?? secrets.default ?? [] }))
  .Encode((secrets) => secrets);

const Log = Section(
  {
    level: Type.Transform(StringEnum(['trace', 'debug', 'info', 'warn', 'warning', 'error', 'fatal', 'panic', 'silent'], { default: 'info' }))
      // Kratos (logrus) knows `warning` and `panic`; pino calls them `warn` and `fatal`.
      .Decode((level) => (level === 'warning' ? 'warn' : level === 'panic' ? 'fatal' : level))
      .Encode((level) => level),
    format: Type.Literal('json', { default: 'json', ...notImplementedValues({ text: 'text logs' }) }),
    leak_sensitive_values: Type.Literal(false, { default: false, ...notImplementedValues({ true: 'logging sensitive values' }) }),
  },
  notImplementedKeys({ redaction_text: 'log.redaction_text' }),
);

const Tessera = Section({
  keys: Section({ generate_missing: Type.Boolean({ default: true }) }),
  jwks: Section({ max_age: Duration({ default: '10m' }) }),
  tokenizer: Type.Transform(
    Section({
      mapper_timeout: Duration({ default: '1s' }),
      workers: Type.Optional(Type.Integer({ minimum: 1, maximum: 64 })),
      mapper_cache_max_entries: Type.Integer({ minimum: 0, default: 20000 }),
      mapper_max_memory: ByteSize(['B', 'KB', 'MB', 'GB'], { default: '512MB' }),
    }),
  )
    .Decode((tokenizer) => ({ ...tokenizer, workers: tokenizer.workers ?? Math.max(1, Math.min(4, availableParallelism())) }))
    .Encode((tokenizer) => tokenizer),
  admin: Section({
    api_key: Type.Optional(Type.String({ minLength: 16 })),
    /** Names (any port) the admin API answers to besides loopback, IP literals and its own (http/middleware/admin-host.ts). */
    allowed_hosts: Type.Transform(Type.Array(Type.String({ pattern: '^(\\*\\.)?[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?$' }), { default: [] }))
      .Decode((hosts) => hosts.map((host) => host.toLowerCase()))
      .Encode((hosts) => hosts),
  }),
  users_api: Section({ api_key: Type.Optional(Type.String({ minLength: 16 })) }),
  trusted_proxies: Type.Array(Type.String(), { default: [] }),
  rate_limits: Section({
    enabled: Type.Boolean({ default: true }),
    /**
     * `per_identifier` counts unsettled attempts (failed or in progress) on one identifier from all addresses;
     * over it, only addresses without such attempts of their own may try (selfservice/login-attempt-limits.ts).
     */
    login: Section({ per_identifier: slidingWindow(10, '5m'), per_identifier_and_ip: slidingWindow(10, '5m'), per_ip: slidingWindow(100, '5m') }),
    registration: Section({ per_identifier: slidingWindow(10, '5m'), per_ip: slidingWindow(50, '5m') }),
    /** Login and registration flows stored for one address (init endpoints, replacements of expired flows). */
    flow_creation: Section({ per_ip: slidingWindow(300, '5m') }),
  }),
  limits: Type.Transform(
    Section({
      max_body_size: ByteSize(['B', 'KB', 'MB'], { default: '1MB' }),
      hashing_concurrency: Type.Optional(Type.Integer({ minimum: 1 })),
      /** Password hashes that may wait for a slot; one more is answered 503 with Retry-After. */
      hashing_queue_size: Type.Integer({ minimum: 0, default: 128 }),
    }),
  )
    .Decode((limits) => ({
      ...limits,
      hashing_concurrency: limits.hashing_concurrency ?? Math.max(1, Math.min(availableParallelism() - 1, maxHashingConcurrency(threadPoolSize()))),
    }))
    .Encode((limits) => limits),
  database: Section({
    max_connections: Type.Integer({ minimum: 1, default: 10 }),
    statement_timeout: Duration({ default: '5s' }),
    /** SQLite's whoami cache (store/sqlite/session-cache.ts); PostgreSQL's remembered whoami rows (store/postgres/session-lookup.ts). */
    session_cache_max_entries: Type.Integer({ minimum: 0, default: 10000 }),
    /** How long a PostgreSQL migration waits for another instance's migration lock (store/postgres/migrate-under-lock.ts). */
    migration_lock_timeout: Duration({ default: '10m' }),
  }),
  /** Deleting expired rows (runtime/cleanup.ts): the built-in maintenance's session retention, and the batch size. */
  cleanup: Section({
    expired_session_retention: Duration({ default: '168h' }),
    batch_size: Type.Integer({ minimum: 1, maximum: 100000, default: 1000 }),
  }),
  /** How long SIGTERM waits for in-flight requests before closing their connections. */
  shutdown: Section({ grace_period: Duration({ default: '10s' }) }),
});

const ConfigDocument = Type.Object(
  {
    version: Type.Optional(Type.String()),
    dsn: Type.String({ minLength: 1, default: 'sqlite://./data/tessera.db?_fk=true' }),
    dev: Type.Boolean({ default: false }),
    serve: Serve,
    identity: Identity,
    selfservice: Selfservice,
    session: Session,
    hashers: Hashers,
    secrets: Secrets,
    log: Log,
    tessera: Tessera,
  },
  {
    $id: 'https://tessera.dev/schemas/kratos.yml',
    additionalProperties: false,
    ...notImplementedKeys({
      courier: 'the courier (email and SMS delivery)',
      oauth2_provider: 'the OAuth2 provider integration',
      organizations: 'organizations',
      clients: 'HTTP client settings',
      cookies: 'the global cookie settings (session.cookie is implemented)',
      ciphers: 'choosing the cipher (secrets.cipher keys are used with AES-256-GCM)',
      database: 'database settings (see tessera.database)',
      feature_flags: 'Kratos feature flags',
      preview: 'preview settings',
      security: 'security settings',
      tracing: 'tracing',
      'expose-metrics-port': 'a metrics port',
      'watch-courier': 'the courier (email and SMS delivery)',
    }),
  },
);

/** The URLs that default to pages under serve.public.base_url, once that is known. */
function withPublicUrlDefaults(document: StaticDecode<typeof ConfigDocument>) {
  const publicBase = document.serve.public.base_url;
  const at = (path: string): string => joinUrl(publicBase, path);
  const { selfservice } = document;
  const { flows, methods } = selfservice;
  const defaultReturnUrl = selfservice.default_browser_return_url ?? at('ui/welcome');
  return {
    ...document,
    selfservice: {
      ...selfservice,
      default_browser_return_url: defaultReturnUrl,
      // A browser is sent back to this instance's own pages, and return_to may name any of them.
      allowed_return_urls: selfservice.allowed_return_urls ?? [...new Set([publicBase, defaultReturnUrl])],
      methods: { ...methods, oidc: { ...methods.oidc, config: { ...methods.oidc.config, base_redirect_uri: methods.oidc.config.base_redirect_uri ?? publicBase } } },
      flows: {
        ...flows,
        login: { ...flows.login, ui_url: flows.login.ui_url ?? at('ui/login') },
        registration: { ...flows.registration, ui_url: flows.registration.ui_url ?? at('ui/registration') },
        error: { ...flows.error, ui_url: flows.error.ui_url ?? at('ui/error') },
      },
    },
  };
}

export const configSchema = Type.Transform(ConfigDocument)
  .Decode(withPublicUrlDefaults)
  .Encode((config) => config);

/** The configuration as the code reads it: kratos.yml's names and structure, decoded (see the top of this file). */
export type ConfigValues = StaticDecode<typeof configSchema>;
export type TokenizerTemplateConfig = StaticDecode<typeof TokenizerTemplateSchema> & { name: string };
export type OidcProviderConfig = StaticDecode<typeof OidcProviderSchema>;
export type SlidingWindowLimit = StaticDecode<typeof SlidingWindowSchema>;

function hostForUrl(host: string): string {
  if (host === '0.0.0.0' || host === '' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
