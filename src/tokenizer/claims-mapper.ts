/**
 * The boundary between the tokenizer (claims, keys, signing: src/tokenizer/*) and the Jsonnet evaluation engine
 * (src/tokenizer/mapper/*). The tokenizer builds the default claims and signs; the mapper turns
 * (session, claims) into the template's extra claims.
 */
export interface MapperTemplate {
  /** Template name from `session.whoami.tokenizer.templates.<name>`. */
  name: string;
  /** The Jsonnet source of `claims_mapper_url`, read and checked at start. */
  source: string;
  /** Where the source came from: an absolute file path, or `base64://` for inline mappers. Used in errors. */
  origin: string;
}

/**
 * The session a mapper sees as `std.extVar('session')`: the whoami JSON, either as an object or already
 * serialized. whoami serializes the session for its response anyway, and hands over that text, so that the hot
 * path neither builds the object nor stringifies it a second time.
 */
export type SessionDocument = Record<string, unknown> | string;

/** JSON text of a session document. */
export function sessionText(session: SessionDocument): string {
  return typeof session === 'string' ? session : JSON.stringify(session);
}

export interface ClaimsMapper {
  /**
   * Evaluates the template's mapper with `std.extVar('session')` and `std.extVar('claims')` bound, exactly as
   * Kratos does, and returns the `claims` object of its output (other top-level keys are ignored).
   * Rejects with a KratosError (400) carrying Kratos's reasons:
   *  - `Unable to execute tokenizer JsonNet.` for syntax/runtime errors and timeouts (the Jsonnet error text goes
   *    into `details`);
   *  - `Expected tokenizer JsonNet to return a claims object but it did not.` when there is no `claims` object.
   */
  map(template: string, session: SessionDocument, claims: Record<string, unknown>): Promise<Record<string, unknown>>;
  /**
   * What `map` would answer from memory, without waiting: the claims of a memoized evaluation (shared and frozen:
   * copy its members, never change it), or undefined when `map` has to evaluate. Throws what `map` would reject
   * with for a memoized failure. The warm path of every tokenize call, hence synchronous.
   */
  memoized?(template: string, session: SessionDocument, claims: Record<string, unknown>): Record<string, unknown> | undefined;
  /** Stops worker processes and timers. */
  close(): Promise<void>;
}

/**
 * Options of the engine factory `createClaimsMapper(templates, options)` exported by
 * src/tokenizer/mapper/create-claims-mapper.ts.
 */
export interface ClaimsMapperOptions {
  /** Per-evaluation bound (`tessera.tokenizer.mapper_timeout`, default 1 s); a mapper over it fails its request only. */
  timeoutMs: number;
  /** Evaluation worker processes (`tessera.tokenizer.workers`). */
  workers: number;
  /** Bound of the memoization cache (`tessera.tokenizer.mapper_cache_max_entries`); 0 disables it. */
  cacheMaxEntries: number;
  /** Memory a worker may use before it is restarted (`tessera.tokenizer.mapper_max_memory`). */
  maxMemoryBytes: number;
}
