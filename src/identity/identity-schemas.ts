import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { ConfigError } from '../config/config-error.js';
import { joinUrl } from '../config/join-url.js';
import { parseUrlSource, readUrlSourceSync, sourceDescription } from '../config/url-source.js';
import type { Config } from '../config/types.js';
import { text, type UiText } from '../text/messages.js';

const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

/** The `ory.sh/kratos` extension on a trait property. */
interface KratosExtension {
  credentials?: { password?: { identifier?: boolean } };
  verification?: { via?: 'email' | 'sms' };
  recovery?: { via?: 'email' | 'sms' };
}

interface SchemaProperty {
  type?: string | string[];
  format?: string;
  title?: string;
  properties?: Record<string, SchemaProperty>;
  required?: string[];
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  'ory.sh/kratos'?: KratosExtension;
}

/** One leaf trait, as the registration form and identifier extraction need it. */
export interface TraitField {
  /** Dotted path inside traits, e.g. `email` or `name.first`. */
  path: string;
  type: string;
  format: string | undefined;
  title: string | undefined;
  required: boolean;
  pattern: string | undefined;
  extension: KratosExtension;
}

export interface TraitsIssue {
  /** Node name the message belongs to (`traits.email`), or null for a form-wide message. */
  node: string | null;
  message: UiText;
}

export interface IdentitySchema {
  id: string;
  /** `<public base>/schemas/<base64url(id)>`, as Kratos publishes it. */
  url: string;
  raw: Record<string, unknown>;
  fields: TraitField[];
  validate: ValidateFunction;
}

/**
 * Identity schemas from `identity.schemas`: loaded and compiled once at start. Validation runs against
 * `{"traits": …}` like Kratos, and errors come back as Kratos UI messages keyed by form node.
 */
export class IdentitySchemas {
  private readonly schemas = new Map<string, IdentitySchema>();
  readonly defaultId: string;

  constructor(config: Config) {
    this.defaultId = config.identity.default_schema_id;
    config.identity.schemas.forEach((entry, index) => {
      const keyPath = `identity.schemas.${index}.url`;
      let raw: Record<string, unknown>;
      try {
        const source = parseUrlSource(entry.url, config.dir);
        let textContent: string;
        try {
          textContent = readUrlSourceSync(source);
        } catch (error) {
          throw new Error(`cannot read ${sourceDescription(source)}: ${(error as Error).message}`, { cause: error });
        }
        raw = JSON.parse(textContent) as Record<string, unknown>;
      } catch (error) {
        throw new ConfigError(config.file, keyPath, (error as Error).message);
      }
      const traits = (raw.properties as Record<string, SchemaProperty> | undefined)?.traits;
      if (!traits || typeof traits !== 'object' || !traits.properties || Object.keys(traits.properties).length === 0) {
        throw new ConfigError(config.file, keyPath, 'the identity schema must define properties.traits.properties');
      }
      const ajv = new Ajv({ allErrors: true, strict: false, verbose: true });
      addFormats(ajv);
      let validate: ValidateFunction;
      try {
        const { $schema: _ignored, ...withoutMeta } = raw;
        validate = ajv.compile(withoutMeta);
      } catch (error) {
        throw new ConfigError(config.file, keyPath, `invalid JSON schema: ${(error as Error).message}`);
      }
      const fields = collectFields(traits, '', true);
      this.schemas.set(entry.id, {
        id: entry.id,
        url: joinUrl(config.serve.public.base_url, `schemas/${Buffer.from(entry.id).toString('base64url')}`),
        raw,
        fields,
        validate,
      });
    });
  }

  get(id: string): IdentitySchema | undefined {
    return this.schemas.get(id);
  }

  getDefault(): IdentitySchema {
    return this.schemas.get(this.defaultId) as IdentitySchema;
  }

  list(): IdentitySchema[] {
    return [...this.schemas.values()];
  }

  /** Validates traits; returns Kratos UI messages (empty when valid). */
  validateTraits(schema: IdentitySchema, traits: unknown): TraitsIssue[] {
    if (schema.validate({ traits })) return [];
    return (schema.validate.errors ?? []).map(toIssue);
  }
}

function collectFields(node: SchemaProperty, prefix: string, parentRequired: boolean): TraitField[] {
  const fields: TraitField[] = [];
  for (const [key, property] of Object.entries(node.properties ?? {})) {
    const path = prefix ? `${prefix}.${key}` : key;
    const required = parentRequired && (node.required ?? []).includes(key);
    const type = Array.isArray(property.type) ? (property.type[0] ?? 'string') : (property.type ?? 'string');
    if (type === 'object' && property.properties) {
      fields.push(...collectFields(property, path, required));
      continue;
    }
    fields.push({
      path,
      type,
      format: property.format,
      title: property.title,
      required,
      pattern: property.pattern,
      extension: property['ory.sh/kratos'] ?? {},
    });
  }
  return fields;
}

/** Reads a dotted trait path out of a traits object. */
export function traitValue(traits: Record<string, unknown>, path: string): unknown {
  let current: unknown = traits;
  for (const segment of path.split('.')) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

function pointerToNode(pointer: string): string | null {
  const segments = pointer.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  return segments.length ? segments.join('.') : null;
}

function toIssue(error: ErrorObject): TraitsIssue {
  const params = error.params as Record<string, unknown>;
  const node = pointerToNode(error.instancePath);
  switch (error.keyword) {
    case 'required': {
      const missing = String(params.missingProperty);
      return { node: node ? `${node}.${missing}` : missing, message: text.required(missing) };
    }
    case 'minLength':
      return { node, message: text.minLength(Number(params.limit), lengthOf(error.data)) };
    case 'maxLength':
      return { node, message: text.maxLength(Number(params.limit), lengthOf(error.data)) };
    case 'pattern':
      return { node, message: text.invalidFormat(String(params.pattern)) };
    case 'minimum':
      return { node, message: text.minimum(Number(params.limit), Number(error.data)) };
    case 'maximum':
      return { node, message: text.maximum(Number(params.limit), Number(error.data)) };
    case 'type':
      return { node, message: text.wrongType(String(params.type).split(','), jsonTypeOf(error.data)) };
    case 'format':
      return { node, message: text.generic(`${JSON.stringify(error.data)} is not valid ${JSON.stringify(params.format)}`) };
    case 'additionalProperties':
      return { node, message: text.generic(`additionalProperties ${JSON.stringify(params.additionalProperty)} not allowed`) };
    default:
      return { node, message: text.generic(error.message ?? 'invalid value') };
  }
}

function lengthOf(value: unknown): number {
  return typeof value === 'string' ? [...value].length : 0;
}

function jsonTypeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}
