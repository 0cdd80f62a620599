import { ConfigError } from './config-error.js';
import { checkTrustedProxy } from './trusted-proxy.js';
import type { Config } from './types.js';

/**
 * Rules that span several keys or need more than JSON Schema can say, run once on the decoded configuration
 * (after defaults). Each is a small named function with its own message naming the key path, in the manner of
 * node-oidc-provider's lib/helpers/configuration.js.
 */
type ConfigCheck = (config: Config) => void;

function defaultSchemaIsDeclared(config: Config): void {
  const { default_schema_id: id, schemas } = config.identity;
  if (!schemas.some((schema) => schema.id === id)) throw new ConfigError(config.file, 'identity.default_schema_id', `no schema with id "${id}" in identity.schemas`);
}

function schemaIdsAreUnique(config: Config): void {
  const seen = new Set<string>();
  config.identity.schemas.forEach((schema, index) => {
    if (seen.has(schema.id)) throw new ConfigError(config.file, `identity.schemas.${index}.id`, `duplicate schema id "${schema.id}"`);
    seen.add(schema.id);
  });
}

function providerIdsAreUnique(config: Config): void {
  const seen = new Set<string>();
  config.selfservice.methods.oidc.config.providers.forEach((provider, index) => {
    if (seen.has(provider.id)) throw new ConfigError(config.file, `selfservice.methods.oidc.config.providers.${index}.id`, `duplicate provider id "${provider.id}"`);
    seen.add(provider.id);
  });
}

/** A typo fails the start instead of silently trusting nothing (or failing when the first request needs the list). */
function trustedProxiesAreAddresses(config: Config): void {
  config.tessera.trusted_proxies.forEach((entry, index) => {
    try {
      checkTrustedProxy(entry);
    } catch (error) {
      throw new ConfigError(config.file, `tessera.trusted_proxies.${index}`, (error as Error).message);
    }
  });
}

export const configChecks: readonly ConfigCheck[] = [defaultSchemaIsDeclared, schemaIdsAreUnique, providerIdsAreUnique, trustedProxiesAreAddresses];
