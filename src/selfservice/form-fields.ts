import type { TraitField } from '../identity/identity-schemas.js';

/**
 * Turns the flat fields of an HTML form post (`traits.email`, `password`, `method`) into the JSON body the flows
 * understand (`{traits:{email}, password, method}`), as Kratos's decoderx does with the method's JSON schema:
 * trait values are converted to their schema type, and empty trait inputs count as absent so that a required
 * field reports "missing" rather than a confusing format error.
 */
const MAX_PATH_SEGMENTS = 16;
const FORBIDDEN_SEGMENTS = new Set(['__proto__', 'prototype', 'constructor']);

export function nestFormFields(flat: Record<string, string>, traitFields: readonly TraitField[]): Record<string, unknown> {
  const typeOfTrait = new Map(traitFields.map((field) => [`traits.${field.path}`, field.type]));
  const root: Record<string, unknown> = {};
  for (const [name, raw] of Object.entries(flat)) {
    const segments = name.split('.');
    if (segments.length > MAX_PATH_SEGMENTS || segments.some((s) => s === '' || FORBIDDEN_SEGMENTS.has(s))) continue;
    const isTrait = segments[0] === 'traits' && segments.length > 1;
    if (isTrait && raw === '') continue;
    const value = isTrait ? convertTrait(raw, typeOfTrait.get(name)) : raw;
    let node = root;
    for (const segment of segments.slice(0, -1)) {
      const next = node[segment];
      if (typeof next !== 'object' || next === null) node[segment] = {};
      node = node[segment] as Record<string, unknown>;
    }
    node[segments[segments.length - 1] as string] = value;
  }
  return root;
}

/** Values that do not parse stay strings, so schema validation reports them with the usual message. */
function convertTrait(raw: string, type: string | undefined): unknown {
  if (type === 'number' || type === 'integer') {
    const number = Number(raw);
    return raw.trim() !== '' && Number.isFinite(number) ? number : raw;
  }
  if (type === 'boolean') {
    if (raw === 'true' || raw === 'on') return true;
    if (raw === 'false') return false;
  }
  return raw;
}
