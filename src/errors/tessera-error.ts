/**
 * The base of every error Tessera raises on purpose outside an HTTP answer: configuration, command-line usage,
 * storage, JSON Patch and key errors. Each subclass has a stable `code` (static and on the instance), so callers
 * branch on `error.code` rather than on messages or classes, as in jose (src/util/errors.ts in panva/jose).
 *
 * The HTTP error is KratosError (kratos-error.ts): its `code` is herodot's numeric status, and it becomes a
 * response in one place, src/http/error-handler.ts, which maps the errors of this family that can reach a
 * request (an unavailable database) by their code.
 */
export class TesseraError extends Error {
  static readonly code: string = 'ERR_TESSERA';
  readonly code: string = TesseraError.code;

  constructor(message?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = this.constructor.name;
  }
}
