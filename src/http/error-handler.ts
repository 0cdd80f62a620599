import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { Logger } from 'pino';
import { KratosError, serviceUnavailable } from '../errors/kratos-error.js';
import { TesseraError } from '../errors/tessera-error.js';
import { JsonPatchError } from '../identity/json-patch.js';
import { DatabaseUnavailableError } from '../store/errors.js';
import type { AppEnv } from './app-env.js';
import { prefersHtml } from './content-negotiation.js';
import { htmlResponse } from './html-response.js';
import { isNoCacheMethod, NO_CACHE } from './middleware/no-cache.js';

/** The errors of the TesseraError family that can reach a request, by code, and the answer each gets. */
const ANSWERS_BY_CODE: Readonly<Record<string, (error: TesseraError) => KratosError>> = {
  [DatabaseUnavailableError.code]: () => serviceUnavailable('The database is unavailable. Please retry later.'),
  [JsonPatchError.code]: (error) => new KratosError(400, { reason: 'failed to apply JSON patch', message: error.message }),
};

/**
 * The one place where errors become responses: herodot JSON for every KratosError, the answer of its code for a
 * TesseraError that can reach a request (a clean 503 when the database is unreachable), and a generic 500
 * (logged, never with a stack trace in the body) for anything unexpected.
 */
export function toKratosError(error: unknown): KratosError {
  if (error instanceof KratosError) return error;
  if (error instanceof TesseraError && Object.hasOwn(ANSWERS_BY_CODE, error.code)) return (ANSWERS_BY_CODE[error.code] as (e: TesseraError) => KratosError)(error);
  if (error instanceof HTTPException) return new KratosError(error.status, { reason: error.message || undefined });
  return new KratosError(500);
}

export function errorResponse(c: Context<AppEnv>, error: KratosError): Response {
  const headers: Record<string, string> = { 'Content-Type': 'application/json', ...error.headers };
  if (error.id) headers['Ory-Error-Id'] = error.id;
  if (isNoCacheMethod(c.req.method) && !headers['Cache-Control']) headers['Cache-Control'] = NO_CACHE;
  return new Response(JSON.stringify(error.toJSON(c.get('requestId'))), { status: error.code, headers });
}

export interface ErrorHandlerOptions {
  /**
   * Renders an error as a page for a browser navigation (Accept prefers text/html) to a path it applies to, so a
   * person filling a form sees words and a way back instead of JSON. Status and error id stay the same.
   */
  html?: { appliesTo: (path: string) => boolean; render: (error: KratosError) => string };
}

export function createErrorHandler(logger: Logger, options: ErrorHandlerOptions = {}) {
  return function handleError(error: Error, c: Context<AppEnv>): Response {
    const mapped = toKratosError(error);
    if (mapped.code >= 500) {
      logger.error({ request_id: c.get('requestId'), err: { type: error.name, message: error.message, stack: error.stack } }, 'request failed');
    }
    if (options.html && options.html.appliesTo(c.req.path) && prefersHtml(c.req.raw.headers)) {
      const headers = new Headers(mapped.headers);
      if (mapped.id) headers.set('Ory-Error-Id', mapped.id);
      return htmlResponse(options.html.render(mapped), mapped.code, headers);
    }
    return errorResponse(c, mapped);
  };
}

export function notFoundHandler(c: Context<AppEnv>): Response {
  return errorResponse(c, new KratosError(404, { message: 'The requested resource could not be found' }));
}
