/**
 * JSON Schema for kratos.yml. The structure follows Ory Kratos's own config schema (embedx/config.schema.json)
 * for every key Kratos has; settings that only Tessera has live under the top-level `tessera` key.
 * Defaults are applied by Ajv (`useDefaults`), so the loader sees a complete document.
 */
const duration = { type: 'string', pattern: '^(0|([0-9]*\\.?[0-9]+(ns|us|µs|ms|s|m|h))+)$' } as const;
const port = { type: 'integer', minimum: 0, maximum: 65535 } as const;
const uri = { type: 'string', format: 'uri' } as const;
const hook = {
  type: 'object',
  required: ['hook'],
  properties: { hook: { type: 'string', enum: ['session', 'show_verification_ui', 'revoke_active_sessions', 'require_verified_address', 'web_hook'] }, config: { type: 'object' } },
  additionalProperties: false,
} as const;
const hooks = { type: 'array', items: hook } as const;
const slidingWindow = {
  type: 'object',
  properties: {
    limit: { type: 'integer', minimum: 1 },
    window: duration,
  },
  additionalProperties: false,
} as const;

export const configSchema = {
  $id: 'https://tessera.dev/schemas/kratos.yml',
  type: 'object',
  properties: {
    version: { type: 'string' },
    dsn: { type: 'string', minLength: 1, default: 'sqlite://./data/tessera.db?_fk=true' },
    dev: { type: 'boolean', default: false },
    serve: {
      type: 'object',
      default: {},
      properties: {
        public: {
          type: 'object',
          default: {},
          properties: {
            base_url: uri,
            host: { type: 'string', default: '0.0.0.0' },
            port: { ...port, default: 4433 },
            cors: { type: 'object' },
          },
          additionalProperties: false,
        },
        admin: {
          type: 'object',
          default: {},
          properties: {
            base_url: uri,
            host: { type: 'string', default: '127.0.0.1' },
            port: { ...port, default: 4434 },
          },
          additionalProperties: false,
        },
      },
      additionalProperties: false,
    },
    identity: {
      type: 'object',
      default: {},
      properties: {
        default_schema_id: { type: 'string', minLength: 1, default: 'default' },
        schemas: {
          type: 'array',
          minItems: 1,
          default: [{ id: 'default', url: 'file://templates/identity.schema.json' }],
          items: {
            type: 'object',
            required: ['id', 'url'],
            properties: { id: { type: 'string', minLength: 1 }, url: { type: 'string', minLength: 1 } },
            additionalProperties: false,
          },
        },
      },
      additionalProperties: false,
    },
    selfservice: {
      type: 'object',
      default: {},
      properties: {
        default_browser_return_url: uri,
        allowed_return_urls: { type: 'array', items: uri },
        methods: {
          type: 'object',
          default: {},
          properties: {
            password: {
              type: 'object',
              default: {},
              properties: {
                enabled: { type: 'boolean', default: true },
                config: {
                  type: 'object',
                  default: {},
                  properties: {
                    min_password_length: { type: 'integer', minimum: 6, default: 8 },
                    identifier_similarity_check_enabled: { type: 'boolean', default: true },
                    haveibeenpwned_enabled: { type: 'boolean', default: false },
                    max_breaches: { type: 'integer', minimum: 0 },
                    ignore_network_errors: { type: 'boolean' },
                  },
                  additionalProperties: false,
                },
              },
              additionalProperties: false,
            },
            oidc: {
              type: 'object',
              default: {},
              properties: {
                enabled: { type: 'boolean', default: false },
                config: {
                  type: 'object',
                  default: {},
                  properties: {
                    base_redirect_uri: uri,
                    providers: {
                      type: 'array',
                      default: [],
                      items: {
                        type: 'object',
                        required: ['id', 'provider', 'client_id', 'mapper_url'],
                        properties: {
                          id: { type: 'string', pattern: '^[a-zA-Z0-9_-]+$' },
                          provider: { type: 'string', enum: ['generic', 'google', 'github', 'auth0', 'microsoft'] },
                          label: { type: 'string' },
                          client_id: { type: 'string', minLength: 1 },
                          client_secret: { type: 'string' },
                          issuer_url: uri,
                          auth_url: uri,
                          token_url: uri,
                          mapper_url: { type: 'string', minLength: 1 },
                          scope: { type: 'array', items: { type: 'string' } },
                          microsoft_tenant: { type: 'string' },
                          subject_source: { type: 'string', enum: ['userinfo', 'me', 'oid'] },
                          claims_source: { type: 'string', enum: ['id_token', 'userinfo'] },
                          pkce: { type: 'string', enum: ['auto', 'never', 'force'], default: 'auto' },
                          requested_claims: { type: 'object' },
                        },
                        additionalProperties: false,
                      },
                    },
                  },
                  additionalProperties: false,
                },
              },
              additionalProperties: false,
            },
          },
          additionalProperties: false,
        },
        flows: {
          type: 'object',
          default: {},
          properties: {
            login: {
              type: 'object',
              default: {},
              properties: {
                ui_url: uri,
                lifespan: { ...duration, default: '1h' },
                after: { type: 'object', properties: { default_browser_return_url: uri, password: { type: 'object', properties: { hooks, default_browser_return_url: uri } }, oidc: { type: 'object', properties: { hooks, default_browser_return_url: uri } } } },
              },
              additionalProperties: false,
            },
            registration: {
              type: 'object',
              default: {},
              properties: {
                enabled: { type: 'boolean', default: true },
                ui_url: uri,
                lifespan: { ...duration, default: '1h' },
                login_hints: { type: 'boolean', default: false },
                after: {
                  type: 'object',
                  default: {},
                  properties: {
                    default_browser_return_url: uri,
                    password: { type: 'object', default: {}, properties: { hooks: { ...hooks, default: [] }, default_browser_return_url: uri } },
                    oidc: { type: 'object', default: {}, properties: { hooks: { ...hooks, default: [] }, default_browser_return_url: uri } },
                  },
                },
              },
              additionalProperties: false,
            },
            logout: {
              type: 'object',
              default: {},
              properties: { after: { type: 'object', properties: { default_browser_return_url: uri } } },
              additionalProperties: false,
            },
            error: {
              type: 'object',
              default: {},
              properties: { ui_url: uri },
              additionalProperties: false,
            },
          },
          additionalProperties: false,
        },
      },
      additionalProperties: false,
    },
    session: {
      type: 'object',
      default: {},
      properties: {
        lifespan: { ...duration, default: '24h' },
        cookie: {
          type: 'object',
          default: {},
          properties: {
            name: { type: 'string', pattern: '^[!#$%&\'*+.^_`|~0-9A-Za-z-]+$', default: 'ory_kratos_session' },
            domain: { type: 'string' },
            path: { type: 'string', default: '/' },
            same_site: { type: 'string', enum: ['Strict', 'Lax', 'None'], default: 'Lax' },
            persistent: { type: 'boolean', default: true },
          },
          additionalProperties: false,
        },
        whoami: {
          type: 'object',
          default: {},
          properties: {
            required_aal: { type: 'string', enum: ['aal1', 'highest_available'] },
            tokenizer: {
              type: 'object',
              default: {},
              properties: {
                templates: {
                  type: 'object',
                  default: {},
                  propertyNames: { pattern: '^[a-zA-Z0-9-_.]+$' },
                  additionalProperties: {
                    type: 'object',
                    required: ['jwks_url'],
                    properties: {
                      ttl: { type: 'string', pattern: '^([0-9]+(ns|us|ms|s|m|h))+$', default: '1m' },
                      claims_mapper_url: { type: 'string', minLength: 1 },
                      jwks_url: { type: 'string', minLength: 1 },
                      subject_source: { type: 'string', enum: ['id', 'external_id'], default: 'id' },
                    },
                    additionalProperties: false,
                  },
                },
              },
              additionalProperties: false,
            },
          },
          additionalProperties: false,
        },
      },
      additionalProperties: false,
    },
    hashers: {
      type: 'object',
      default: {},
      properties: {
        algorithm: { type: 'string', enum: ['argon2'], default: 'argon2' },
        argon2: {
          type: 'object',
          default: {},
          properties: {
            memory: { type: 'string', pattern: '^[0-9]+(\\.[0-9]+)?(B|KB|MB|GB|TB)$', default: '64MB' },
            iterations: { type: 'integer', minimum: 1, default: 1 },
            parallelism: { type: 'integer', minimum: 1, maximum: 255, default: 1 },
            salt_length: { type: 'integer', minimum: 16, default: 16 },
            key_length: { type: 'integer', minimum: 16, default: 32 },
            expected_duration: duration,
            expected_deviation: duration,
            dedicated_memory: { type: 'string' },
          },
          additionalProperties: false,
        },
      },
      additionalProperties: false,
    },
    secrets: {
      type: 'object',
      default: {},
      properties: {
        default: { type: 'array', items: { type: 'string', minLength: 16 } },
        cookie: { type: 'array', items: { type: 'string', minLength: 16 } },
        cipher: { type: 'array', items: { type: 'string', minLength: 32, maxLength: 32 } },
      },
      additionalProperties: false,
    },
    log: {
      type: 'object',
      default: {},
      properties: {
        level: { type: 'string', enum: ['trace', 'debug', 'info', 'warn', 'warning', 'error', 'fatal', 'panic', 'silent'], default: 'info' },
        format: { type: 'string', enum: ['json', 'text'], default: 'json' },
        leak_sensitive_values: { type: 'boolean', default: false },
      },
      additionalProperties: false,
    },
    tessera: {
      type: 'object',
      default: {},
      properties: {
        keys: {
          type: 'object',
          default: {},
          properties: {
            generate_missing: { type: 'boolean', default: true },
          },
          additionalProperties: false,
        },
        jwks: {
          type: 'object',
          default: {},
          properties: { max_age: { ...duration, default: '10m' } },
          additionalProperties: false,
        },
        tokenizer: {
          type: 'object',
          default: {},
          properties: {
            mapper_timeout: { ...duration, default: '1s' },
            workers: { type: 'integer', minimum: 1, maximum: 64 },
            mapper_cache_max_entries: { type: 'integer', minimum: 0, default: 20000 },
            mapper_max_memory: { type: 'string', pattern: '^[0-9]+(B|KB|MB|GB)$', default: '512MB' },
          },
          additionalProperties: false,
        },
        admin: {
          type: 'object',
          default: {},
          properties: {
            api_key: { type: 'string', minLength: 16 },
            // Host names (any port) the admin API answers to besides loopback, IP literals and its own base URL.
            allowed_hosts: { type: 'array', items: { type: 'string', pattern: '^(\\*\\.)?[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?$' }, default: [] },
          },
          additionalProperties: false,
        },
        users_api: {
          type: 'object',
          default: {},
          properties: { api_key: { type: 'string', minLength: 16 } },
          additionalProperties: false,
        },
        trusted_proxies: { type: 'array', items: { type: 'string' }, default: [] },
        rate_limits: {
          type: 'object',
          default: {},
          properties: {
            enabled: { type: 'boolean', default: true },
            login: {
              type: 'object',
              default: {},
              properties: {
                per_identifier: { ...slidingWindow, default: { limit: 10, window: '5m' } },
                per_ip: { ...slidingWindow, default: { limit: 100, window: '5m' } },
              },
              additionalProperties: false,
            },
            registration: {
              type: 'object',
              default: {},
              properties: {
                per_identifier: { ...slidingWindow, default: { limit: 10, window: '5m' } },
                per_ip: { ...slidingWindow, default: { limit: 50, window: '5m' } },
              },
              additionalProperties: false,
            },
          },
          additionalProperties: false,
        },
        limits: {
          type: 'object',
          default: {},
          properties: {
            max_body_size: { type: 'string', pattern: '^[0-9]+(B|KB|MB)$', default: '1MB' },
            hashing_concurrency: { type: 'integer', minimum: 1 },
          },
          additionalProperties: false,
        },
        database: {
          type: 'object',
          default: {},
          properties: {
            max_connections: { type: 'integer', minimum: 1, default: 10 },
            statement_timeout: { ...duration, default: '5s' },
            session_cache_max_entries: { type: 'integer', minimum: 0, default: 10000 },
            migration_lock_timeout: { ...duration, default: '10m' },
          },
          additionalProperties: false,
        },
        cleanup: {
          type: 'object',
          default: {},
          properties: {
            expired_session_retention: { ...duration, default: '168h' },
            batch_size: { type: 'integer', minimum: 1, maximum: 100000, default: 1000 },
          },
          additionalProperties: false,
        },
        shutdown: {
          type: 'object',
          default: {},
          properties: { grace_period: { ...duration, default: '10s' } },
          additionalProperties: false,
        },
      },
      additionalProperties: false,
    },
  },
  additionalProperties: false,
} as const;
