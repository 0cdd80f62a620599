import { Kind, Type, TypeRegistry, type ObjectOptions, type SchemaOptions, type TProperties } from '@sinclair/typebox';
import { parseByteSize } from './byte-size.js';
import { parseDuration } from './duration.js';

/**
 * The value types kratos.yml uses, as TypeBox schemas: each is plain JSON Schema for Ajv (validation, defaults,
 * env overrides) and, where the text is not what the code wants, a Transform that decodes it once at load.
 */

/** A duration after decoding: kratos.yml writes Go syntax (`1h30m`), the code reads milliseconds. */
export type Milliseconds = number;
/** A byte size after decoding: kratos.yml writes `64MB` (KB = 1024 bytes), the code reads bytes. */
export type Bytes = number;

const GO_DURATION = '^(0|([0-9]*\\.?[0-9]+(ns|us|µs|ms|s|m|h))+)$';

/** A Go duration (`30s`, `10m`, `1h30m`), decoded to milliseconds. */
export function Duration(options: SchemaOptions & { pattern?: string } = {}) {
  return Type.Transform(Type.String({ pattern: GO_DURATION, ...options }))
    .Decode((text): Milliseconds => parseDuration(text))
    .Encode((ms) => `${ms}ms`);
}

/** A byte size as Kratos writes it (`64MB`), decoded to bytes. `units` lists the suffixes the key allows. */
export function ByteSize(units: readonly string[], options: SchemaOptions = {}) {
  return Type.Transform(Type.String({ pattern: `^[0-9]+(\\.[0-9]+)?(${units.join('|')})$`, ...options }))
    .Decode((text): Bytes => parseByteSize(text))
    .Encode((bytes) => `${bytes}B`);
}

export function Port(options: SchemaOptions = {}) {
  return Type.Integer({ minimum: 0, maximum: 65535, ...options });
}

const STRING_ENUM = 'TesseraStringEnum';
TypeRegistry.Set<{ enum: readonly string[] }>(STRING_ENUM, (schema, value) => typeof value === 'string' && schema.enum.includes(value));

/**
 * One of a few strings, as a JSON Schema `enum` (TypeBox's union of literals would be an `anyOf`, for which Ajv
 * reports "must be equal to constant" instead of naming the allowed values).
 */
export function StringEnum<const T extends readonly string[]>(values: T, options: SchemaOptions = {}) {
  return Type.Unsafe<T[number]>({ [Kind]: STRING_ENUM, type: 'string', enum: values, ...options });
}

/** An absolute URL (`format: uri`, checked by ajv-formats). */
export function Url(options: SchemaOptions = {}) {
  return Type.String({ format: 'uri', ...options });
}

/**
 * A mapping of kratos.yml: unknown keys are refused, and a missing mapping counts as `{}` so that the defaults
 * of its keys apply (Ajv fills them in, depth first).
 */
export function Section<T extends TProperties>(properties: T, options: ObjectOptions = {}) {
  return Type.Object(properties, { default: {}, additionalProperties: false, ...options });
}
