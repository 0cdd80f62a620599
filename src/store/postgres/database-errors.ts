import { DrizzleQueryError } from 'drizzle-orm/errors';
import { badRequest, type KratosError } from '../../errors/kratos-error.js';
import { DatabaseUnavailableError } from '../errors.js';

/**
 * What a PostgreSQL or driver failure means to a client. Connection loss, a database that is shutting down or
 * starting up, too many connections and an expired statement timeout are all "retry later": they become
 * DatabaseUnavailableError (a clean 503). Everything else keeps its driver error, with drizzle's wrapper
 * removed, because that wrapper's message lists the query parameters (password hashes, token hashes).
 */
export function translateDatabaseError(error: unknown): unknown {
  const driverError = error instanceof DrizzleQueryError && error.cause !== undefined ? error.cause : error;
  const unavailable = unavailabilityOf(driverError);
  if (unavailable) return new DatabaseUnavailableError(`the database is unavailable: ${unavailable}`, { cause: driverError });
  const unstorable = unstorableTextOf(driverError);
  if (unstorable) return unstorable;
  return driverError;
}

/** The SQLSTATE of a server error (`23505`, `57P01`, ...), if the error came from the server. */
export function sqlStateOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

const SOCKET_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

const TRANSIENT_SQLSTATES: Record<string, string> = {
  '57P01': 'it is shutting down',
  '57P02': 'it crashed',
  '57P03': 'it is not accepting connections yet',
  '53300': 'it has no free connections',
  '57014': 'a statement did not finish within the statement timeout',
  '55P03': 'a lock was not granted in time',
  '25P03': 'a transaction stayed idle for too long',
  '40001': 'a transaction could not be serialized',
  '40P01': 'a deadlock was detected',
};

/** node-postgres reports lost and refused connections with messages, not codes. */
const DRIVER_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|not queryable|Query read timeout|Cannot use a pool after calling end/;

/** A short reason without addresses or credentials (it is shown by /health/ready), or null if not transient. */
function unavailabilityOf(error: unknown): string | null {
  if (!(error instanceof Error)) return null;
  const sqlState = sqlStateOf(error);
  if (sqlState) {
    if (sqlState in TRANSIENT_SQLSTATES) return TRANSIENT_SQLSTATES[sqlState] ?? null;
    // Class 08: connection exceptions.
    return sqlState.startsWith('08') ? `connection failure (${sqlState})` : null;
  }
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && SOCKET_ERRORS.has(code)) return `cannot reach it (${code})`;
  if (DRIVER_MESSAGES.test(error.message)) return error.message.toLowerCase();
  // A host with several addresses fails with one error per address.
  if (error instanceof AggregateError) {
    for (const inner of error.errors) {
      const reason = unavailabilityOf(inner);
      if (reason) return reason;
    }
  }
  return null;
}

/**
 * PostgreSQL cannot store U+0000 in text or jsonb, nor an unpaired UTF-16 surrogate in jsonb (SQLite stores
 * both). Reads guard against NUL themselves (nothing stored can contain it); a write that carries either is bad
 * input, answered with a 400 and nothing written.
 */
function unstorableTextOf(error: unknown): KratosError | null {
  const sqlState = sqlStateOf(error);
  const unstorable =
    sqlState === '22021' || // NUL in text
    sqlState === '22P05' || // \u0000 in jsonb
    (sqlState === '22P02' && /type json/.test((error as Error).message)); // a lone UTF-16 surrogate in jsonb
  if (!unstorable) return null;
  return badRequest('The request contains characters that cannot be stored (U+0000 or an unpaired surrogate).', { cause: error });
}

/** True when a lookup key cannot match anything PostgreSQL stores (see unstorableTextOf). */
export function hasNulCharacter(...values: Array<string | null | undefined>): boolean {
  return values.some((value) => value?.includes('\u0000'));
}
