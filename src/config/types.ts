import type { ConfigValues } from './schema.js';

export type { OidcProviderConfig, SlidingWindowLimit, TokenizerTemplateConfig } from './schema.js';

/** Where the configuration came from. */
export interface ConfigOrigin {
  /** Absolute path of kratos.yml, or null when running on defaults only. */
  readonly file: string | null;
  /** Folder that relative `file://` URLs are resolved against. */
  readonly dir: string;
}

/**
 * The validated, decoded configuration. Its type is derived from the schema (schema.ts), so keys keep the names
 * and nesting of kratos.yml; durations are in milliseconds and byte sizes in bytes.
 */
export type Config = ConfigValues & ConfigOrigin;

export type SameSite = Config['session']['cookie']['same_site'];
