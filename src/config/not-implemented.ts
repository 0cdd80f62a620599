import { ConfigError } from './config-error.js';
import { envNameOf } from './env-overrides.js';

/**
 * Kratos settings that Tessera does not implement yet. Their schema is Kratos's, so a Kratos configuration that
 * sets one would otherwise be refused as an "unknown key", or (worse) accepted and ignored; instead the start
 * stops naming the key and saying that it is not implemented yet. The lists sit in the schema next to the keys
 * Tessera has (schema.ts), as two annotations that Ajv and TypeBox ignore:
 *
 * - `notImplementedKeys({ cors: 'CORS for the public API' })` on a mapping refuses those keys in it;
 * - `notImplementedValues({ web_hook: 'the web_hook hook' })` on a value refuses those values (`true` and `false`
 *   are written as strings).
 */
const NOT_IMPLEMENTED_KEYS = 'x-tessera-not-implemented-keys';
const NOT_IMPLEMENTED_VALUES = 'x-tessera-not-implemented-values';

type Reasons = Readonly<Record<string, string>>;

export function notImplementedKeys(reasons: Reasons): { [NOT_IMPLEMENTED_KEYS]: Reasons } {
  return { [NOT_IMPLEMENTED_KEYS]: reasons };
}

export function notImplementedValues(reasons: Reasons): { [NOT_IMPLEMENTED_VALUES]: Reasons } {
  return { [NOT_IMPLEMENTED_VALUES]: reasons };
}

interface SchemaNode {
  properties?: Record<string, SchemaNode>;
  patternProperties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  [NOT_IMPLEMENTED_KEYS]?: Reasons;
  [NOT_IMPLEMENTED_VALUES]?: Reasons;
}

const reasonFor = (reasons: Reasons | undefined, name: string): string | undefined => (reasons && Object.hasOwn(reasons, name) ? reasons[name] : undefined);

/** Throws a ConfigError for the first key or value of `document` that the schema marks as not implemented. */
export function refuseNotImplemented(schema: object, document: unknown, file: string | null): void {
  const walk = (node: SchemaNode, value: unknown, path: string[]): void => {
    if (value === null || typeof value !== 'object') {
      const reason = reasonFor(node[NOT_IMPLEMENTED_VALUES], String(value));
      if (reason !== undefined) throw new ConfigError(file, path.join('.'), `${reason} is not implemented yet`);
      return;
    }
    if (Array.isArray(value)) {
      if (node.items) value.forEach((item, index) => walk(node.items as SchemaNode, item, [...path, String(index)]));
      return;
    }
    for (const [key, child] of Object.entries(value)) {
      const reason = reasonFor(node[NOT_IMPLEMENTED_KEYS], key);
      if (reason !== undefined) throw new ConfigError(file, [...path, key].join('.'), `${reason} is not implemented yet`);
      const childSchema = node.properties && Object.hasOwn(node.properties, key) ? node.properties[key] : Object.values(node.patternProperties ?? {})[0];
      if (childSchema) walk(childSchema, child, [...path, key]);
    }
  };
  walk(schema as SchemaNode, document, []);
}

/**
 * Throws a ConfigError when the environment sets a key that is not implemented, e.g. SERVE_PUBLIC_CORS_ENABLED.
 * Only keys below a section Tessera has are looked for: the top-level Kratos sections that Tessera lacks have
 * names that other programs use for their own variables too (DATABASE_URL, TRACING_...).
 */
export function refuseNotImplementedEnv(schema: object, env: NodeJS.ProcessEnv): void {
  const names = Object.keys(env).filter((name) => env[name] !== undefined && env[name] !== '');
  const walk = (node: SchemaNode, path: string[]): void => {
    if (path.length > 0) {
      for (const [key, reason] of Object.entries(node[NOT_IMPLEMENTED_KEYS] ?? {})) {
        const prefix = envNameOf([...path, key]);
        const name = names.find((n) => n === prefix || n.startsWith(`${prefix}_`));
        if (name) throw new ConfigError(null, [...path, key].join('.'), `${reason} is not implemented yet (set by the environment variable ${name})`);
      }
    }
    for (const [key, child] of Object.entries(node.properties ?? {})) walk(child, [...path, key]);
  };
  walk(schema as SchemaNode, []);
}

/** Every key path the schema marks as not implemented (for tests and docs). */
export function notImplementedKeyPaths(schema: object): Array<{ path: string; reason: string }> {
  const found: Array<{ path: string; reason: string }> = [];
  const walk = (node: SchemaNode, path: string[]): void => {
    for (const [key, reason] of Object.entries(node[NOT_IMPLEMENTED_KEYS] ?? {})) found.push({ path: [...path, key].join('.'), reason });
    for (const [key, child] of Object.entries(node.properties ?? {})) walk(child, [...path, key]);
    if (node.items) walk(node.items, [...path, '0']);
  };
  walk(schema as SchemaNode, []);
  return found;
}
