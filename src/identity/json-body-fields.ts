import { badRequest, KratosError } from '../errors/kratos-error.js';

/** A JSON object, or a 400 with `message` as reason. */
export function requireObject(value: unknown, message: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badRequest(message);
  return value as Record<string, unknown>;
}

/**
 * Go's strict JSON decoder (jsonx.NewStrictDecoder) refuses unknown fields; herodot puts its error text into the
 * `message` of a 400, without a reason. Kratos's create endpoint answers exactly that way.
 */
export function rejectUnknownFields(fields: Record<string, unknown>, allowed: ReadonlySet<string>): void {
  for (const key of Object.keys(fields)) {
    if (!allowed.has(key)) throw new KratosError(400, { message: `json: unknown field "${key}"` });
  }
}
