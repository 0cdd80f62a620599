import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { FormatRegistry } from '@sinclair/typebox';
import { TransformDecodeCheckError, TransformDecodeError, Value } from '@sinclair/typebox/value';
import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parseDocument } from 'yaml';
import { configChecks } from './checks.js';
import { ConfigError } from './config-error.js';
import { applyOverride, collectEnvOverrides } from './env-overrides.js';
import { refuseNotImplemented, refuseNotImplementedEnv } from './not-implemented.js';
import { configSchema, type ConfigValues } from './schema.js';
import type { Config } from './types.js';
import { isObject } from '../json/is-object.js';

// ajv-formats ships CommonJS with a default export property.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

export interface LoadConfigOptions {
  /** Path to kratos.yml. When omitted, `./kratos.yml` is used if it exists, otherwise built-in defaults. */
  file?: string | null;
  env?: NodeJS.ProcessEnv;
  /** Values merged over the file before env overrides (used by tests). */
  overrides?: Record<string, unknown>;
}

// Ajv validates (its messages are the ones users see) and fills in the defaults; TypeBox then decodes the valid
// document into the typed configuration. Both must agree on what `format: uri` means, so TypeBox asks Ajv.
const ajv = new Ajv({ allErrors: false, useDefaults: true, strict: false });
addFormats(ajv);
const validate = ajv.compile(configSchema);
const validateUri = ajv.compile({ type: 'string', format: 'uri' });
FormatRegistry.Set('uri', (value) => validateUri(value));

/**
 * Reads kratos.yml, applies the test overrides and the environment, refuses what is not implemented, validates
 * and fills in defaults (once), decodes, and runs the checks that span keys (checks.ts). Any problem is a
 * ConfigError naming the file, the key path and the reason.
 */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const file = resolveFile(options.file);
  const document = file ? readYaml(file) : {};
  if (options.overrides) deepMerge(document, options.overrides);
  refuseNotImplementedEnv(configSchema, env);
  for (const override of collectEnvOverrides(configSchema, env)) applyOverride(document, override);
  refuseNotImplemented(configSchema, document, file);

  if (!validate(document)) throw new ConfigError(file, keyPathOf(validate.errors?.[0]), reasonOf(validate.errors?.[0]));
  const config: Config = { ...decode(document, file), file, dir: file ? dirname(file) : process.cwd() };
  for (const check of configChecks) check(config);
  return config;
}

function decode(document: Record<string, unknown>, file: string | null): ConfigValues {
  try {
    return Value.Decode(configSchema, document);
  } catch (error) {
    if (error instanceof TransformDecodeError) throw new ConfigError(file, keyPathOfPointer(error.path), error.error.message);
    if (error instanceof TransformDecodeCheckError) throw new ConfigError(file, keyPathOfPointer(error.error.path), error.error.message);
    throw error;
  }
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
    if (isObject(value) && isObject(existing)) deepMerge(existing, value);
    else target[key] = value;
  }
}

function pointerSegments(pointer: string): string[] {
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function keyPathOfPointer(pointer: string): string {
  const segments = pointerSegments(pointer);
  return segments.length ? segments.join('.') : '(root)';
}

function keyPathOf(error: ErrorObject | undefined): string | null {
  if (!error) return null;
  const segments = pointerSegments(error.instancePath);
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
    case 'const':
      return `must be ${JSON.stringify((error.params as { allowedValue: unknown }).allowedValue)}`;
    case 'not':
      return 'is not allowed here';
    case 'pattern':
      return `${error.message ?? 'invalid format'}`;
    default:
      return error.message ?? 'invalid value';
  }
}
