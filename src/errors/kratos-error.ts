/**
 * The one error type of the service. It carries what herodot's DefaultError carries (id, code, status, reason,
 * message, details) and serializes to exactly the JSON Kratos writes: `{"error":{...}}`, plus the extra top-level
 * members some Kratos errors add (`use_flow_id`, `redirect_browser_to`, `expired_at`, ...).
 * It is mapped to a response in one place: src/http/error-handler.ts.
 */
export interface KratosErrorBody {
  id?: string;
  code: number;
  status: string;
  request?: string;
  reason?: string;
  details?: Record<string, unknown>;
  message: string;
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  410: 'Gone',
  413: 'Request Entity Too Large',
  415: 'Unsupported Media Type',
  421: 'Misdirected Request',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

/** herodot's default messages per status. */
const DEFAULT_MESSAGE: Record<number, string> = {
  400: 'The request was malformed or contained invalid parameters',
  401: 'The request could not be authorized',
  403: 'The requested action was forbidden',
  404: 'The requested resource could not be found',
  405: 'The request method is not supported by this resource',
  408: 'The request was not received in time',
  409: 'The resource could not be created due to a conflict',
  410: 'The requested resource is no longer available because it has expired or is otherwise invalid.',
  413: 'The request body is too large',
  415: 'The request content type is not supported',
  421: 'The request was sent to a server that does not answer to its host name',
  422: 'The request was well-formed but was unable to be followed due to semantic errors',
  429: 'Too many requests',
  431: 'The request headers are too large',
  500: 'An internal server error occurred, please contact the system administrator',
  502: 'Upstream error',
  503: 'The service is unavailable',
};

export interface KratosErrorOptions {
  id?: string;
  reason?: string;
  message?: string;
  details?: Record<string, unknown>;
  /** Extra top-level members next to `error` (Kratos's EnhanceJSONError). */
  extra?: Record<string, unknown>;
  /** Extra response headers, e.g. Retry-After. */
  headers?: Record<string, string>;
  cause?: unknown;
}

export class KratosError extends Error {
  override readonly name = 'KratosError';
  readonly code: number;
  readonly id: string | undefined;
  readonly reason: string | undefined;
  readonly details: Record<string, unknown> | undefined;
  readonly extra: Record<string, unknown> | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(code: number, options: KratosErrorOptions = {}) {
    super(options.message ?? DEFAULT_MESSAGE[code] ?? 'An error occurred', options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.id = options.id;
    this.reason = options.reason;
    this.details = options.details;
    this.extra = options.extra;
    this.headers = options.headers;
  }

  toBody(requestId?: string): KratosErrorBody {
    // Field order as herodot writes it: id, code, status, request, reason, details, message.
    const body: KratosErrorBody = {} as KratosErrorBody;
    if (this.id) body.id = this.id;
    body.code = this.code;
    body.status = STATUS_TEXT[this.code] ?? 'Error';
    if (requestId) body.request = requestId;
    if (this.reason) body.reason = this.reason;
    if (this.details && Object.keys(this.details).length > 0) body.details = this.details;
    body.message = this.message;
    return body;
  }

  toJSON(requestId?: string): Record<string, unknown> {
    return { error: this.toBody(requestId), ...this.extra };
  }
}

export const badRequest = (reason?: string, options: Omit<KratosErrorOptions, 'reason'> = {}): KratosError =>
  new KratosError(400, { ...options, reason });
export const unauthorized = (reason?: string, options: Omit<KratosErrorOptions, 'reason'> = {}): KratosError =>
  new KratosError(401, { ...options, reason });
export const forbidden = (reason?: string, options: Omit<KratosErrorOptions, 'reason'> = {}): KratosError =>
  new KratosError(403, { ...options, reason });
export const notFound = (reason?: string, options: Omit<KratosErrorOptions, 'reason'> = {}): KratosError =>
  new KratosError(404, { ...options, reason });
export const conflict = (reason?: string, options: Omit<KratosErrorOptions, 'reason'> = {}): KratosError =>
  new KratosError(409, { ...options, reason });
/** RFC 9110 §15.5.20: the request named a host this server does not answer to (the admin API's Host check). */
export const misdirectedRequest = (reason?: string, options: Omit<KratosErrorOptions, 'reason'> = {}): KratosError =>
  new KratosError(421, { ...options, reason });
export const serviceUnavailable = (reason?: string, options: Omit<KratosErrorOptions, 'reason'> = {}): KratosError =>
  new KratosError(503, { ...options, reason });

/** The exact 401 Kratos writes for a missing, unknown, expired or inactive session (no `id`: the outer
 * ErrNoSessionFound of https://github.com/ory/kratos/blob/master/session/manager_http.go carries none). */
export const noActiveSession = (): KratosError => unauthorized('No valid session credentials found in the request.');

/** DB not-found as Kratos writes it. */
export const resourceNotFound = (): KratosError => new KratosError(404, { message: 'Unable to locate the resource' });

/** A sign-in of an identity whose state is `inactive`. */
export const identityDisabled = (): KratosError => new KratosError(401, { id: 'identity_disabled', reason: 'This account was disabled.', message: 'identity is disabled' });

/** `tokenize_as=` names no configured template. */
export const unknownTemplate = (name: string): KratosError => badRequest(`Unable to find tokenizer template "${name}".`);

/** A mapper input that kills the worker process evaluating it: a server fault, not a mapper error Kratos would report. */
export const mapperWorkerCrashed = (): KratosError => new KratosError(500, { reason: 'The claims mapper evaluation process crashed while evaluating this session.' });

/** A self-service flow past its `expires_at`; `reason` says what to do next, as Kratos's reasons differ by client kind. */
export const flowExpired = (reason: string, options: Pick<KratosErrorOptions, 'details' | 'extra'>): KratosError =>
  new KratosError(410, { id: 'self_service_flow_expired', reason, message: 'self-service flow expired', ...options });

/** A `page_token` Tessera did not issue. */
export const invalidPageToken = (): KratosError => badRequest('The page token is invalid, do not craft your own page tokens');

/** A query parameter that does not parse, in the words of Kratos's list handlers. */
export const unparsableQueryParameter = (name: string): KratosError => new KratosError(400, { message: `could not parse parameter ${name}` });

/** A query parameter that must be a UUID and is not. */
export const invalidUuidParameter = (value: string, parameter: string): KratosError => badRequest(`Invalid UUID value \`${value}\` for parameter \`${parameter}\`.`);

/** A missing or wrong bearer key for a key-protected API (`api` names it: "admin", "users"). */
export const apiKeyRejected = (api: string): KratosError => unauthorized(`The ${api} API key is missing or wrong.`, { headers: { 'WWW-Authenticate': 'Bearer' } });
