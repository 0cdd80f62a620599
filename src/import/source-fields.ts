import type { IdentitySchema } from '../identity/identity-schemas.js';
import { InvalidRecordError } from './import-candidate.js';
import { isObject } from '../json/is-object.js';

/** Small readers for untyped export records: they return undefined rather than guessing. */
export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return isObject(value) ? value : undefined;
}

export function asString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function asDate(value: unknown): Date | undefined {
  const text = asRecord(value)?.$date ?? value;
  if (typeof text !== 'string' && typeof text !== 'number') return undefined;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

export function requireRecord(value: unknown): Record<string, unknown> {
  const record = asRecord(value);
  if (!record) throw new InvalidRecordError('the record is not a JSON object');
  return record;
}

/**
 * Puts profile values into the traits the identity schema actually has: for each string trait of the schema, the
 * first source value whose name fits it (`email`, `name`, `name.first` from `given_name`, ...). Values the schema
 * has no place for stay out of the traits (the mappers keep them in metadata), so records validate against any
 * schema that has an email trait.
 */
export function fitTraits(schema: IdentitySchema, profile: Record<string, string | undefined>): Record<string, unknown> {
  const traits: Record<string, unknown> = {};
  for (const field of schema.fields) {
    if (field.type !== 'string') continue;
    const value = SOURCE_NAMES[field.path]?.map((name) => profile[name]).find((v) => v !== undefined) ?? (field.format === 'email' ? profile.email : undefined);
    if (value === undefined) continue;
    setPath(traits, field.path, value);
  }
  return traits;
}

const SOURCE_NAMES: Record<string, string[]> = {
  email: ['email'],
  username: ['username'],
  phone: ['phone_number'],
  phone_number: ['phone_number'],
  name: ['name'],
  'name.first': ['given_name'],
  'name.last': ['family_name'],
  first_name: ['given_name'],
  last_name: ['family_name'],
  given_name: ['given_name'],
  family_name: ['family_name'],
  nickname: ['nickname'],
  picture: ['picture'],
};

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const segments = path.split('.');
  let node = target;
  for (const segment of segments.slice(0, -1)) {
    node[segment] = asRecord(node[segment]) ?? {};
    node = node[segment] as Record<string, unknown>;
  }
  node[segments[segments.length - 1] as string] = value;
}
