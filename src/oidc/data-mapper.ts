import type { JsonObject } from '../store/types.js';
import type { JsonnetEvaluator } from './jsonnet-child-evaluator.js';
import type { UpstreamClaims } from './upstream-claims.js';
import { isObject } from '../json/is-object.js';

/**
 * Kratos's OIDC data mapper (strategy_registration.go): a Jsonnet program that turns the upstream claims
 * (`std.extVar('claims')`) into the new identity. Its output is read the way Kratos reads it:
 * `{identity: {traits, metadata_public?, metadata_admin?, verified_addresses?}}`.
 */
export interface MapperSource {
  source: string;
  /** Where it came from, for Jsonnet error messages: a file path or `base64://`. */
  origin: string;
}

export interface MappedIdentity {
  traits: JsonObject;
  /** Present only when the mapper set the key (metadata comes from the mapper alone). */
  metadataPublic?: JsonObject;
  metadataAdmin?: JsonObject;
  verifiedAddresses: Array<{ value: string; via: 'email' }>;
}

/** A mapper that failed: a Jsonnet error (including `error '...'` on purpose), a timeout, or a wrong shape. */
export class DataMapperError extends Error {
  override readonly name = 'DataMapperError';
}

/** What Kratos (master) binds as `std.extVar('identity')` on registration: there is no identity yet. */
const EMPTY_IDENTITY = { traits: {}, metadata_public: {}, metadata_admin: {} };

export async function runDataMapper(evaluator: JsonnetEvaluator, mapper: MapperSource, claims: UpstreamClaims): Promise<MappedIdentity> {
  const result = await evaluator.evaluate({ source: mapper.source, filename: mapper.origin, extVars: { claims, identity: EMPTY_IDENTITY } });
  if (!result.ok) throw new DataMapperError(result.timedOut ? `the mapper ${result.error}` : firstLineOf(result.error));
  return readMapperOutput(result.value);
}

export function readMapperOutput(output: unknown): MappedIdentity {
  const identity = isObject(output) ? output.identity : undefined;
  const traits = isObject(identity) ? identity.traits : undefined;
  if (!isObject(identity) || !isObject(traits)) {
    throw new DataMapperError('OpenID Connect Jsonnet mapper did not return an object for key identity.traits. Please check your Jsonnet code!');
  }
  const mapped: MappedIdentity = { traits, verifiedAddresses: [] };
  for (const [key, field] of [['metadata_public', 'metadataPublic'], ['metadata_admin', 'metadataAdmin']] as const) {
    const value = identity[key];
    if (value === undefined || value === null) continue;
    if (!isObject(value)) throw new DataMapperError(`OpenID Connect Jsonnet mapper returned a non-object for key identity.${key}. Please check your Jsonnet code!`);
    mapped[field] = value;
  }
  const verified = identity.verified_addresses;
  if (verified !== undefined && verified !== null) {
    if (!Array.isArray(verified)) throw new DataMapperError('OpenID Connect Jsonnet mapper returned a non-array for key identity.verified_addresses. Please check your Jsonnet code!');
    for (const entry of verified) {
      if (!isObject(entry) || typeof entry.value !== 'string' || entry.via !== 'email') {
        throw new DataMapperError('Each entry of identity.verified_addresses must be {value: "<address>", via: "email"}.');
      }
      mapped.verifiedAddresses.push({ value: entry.value.trim().toLowerCase(), via: 'email' });
    }
  }
  return mapped;
}

/** Jsonnet errors are `RUNTIME ERROR: <message>` followed by a stack trace; the first line is the message. */
function firstLineOf(error: string): string {
  const line = error.split('\n').find((l) => l.trim() !== '') ?? error;
  return line.trim();
}
