import { badRequest, type KratosError } from '../../errors/kratos-error.js';
import { isObject } from '../../json/is-object.js';

/**
 * What one evaluation of a mapper produced: its manifested JSON output, or the Jsonnet error text. Both the
 * plain (reference) path and the pooled engine reduce to this, and `claimsOf` turns it into Kratos's answer, so
 * the two paths cannot disagree on how an output is read.
 */
export type EvaluationResult = { output: string } | { error: string };

const EXECUTION_FAILED = 'Unable to execute tokenizer JsonNet.';
const NO_CLAIMS_OBJECT = 'Expected tokenizer JsonNet to return a claims object but it did not.';

/** Kratos's 400 for a mapper that failed; the Jsonnet error (or why the engine stopped it) goes into `details`. */
export function mapperExecutionFailed(error: string): KratosError {
  return badRequest(EXECUTION_FAILED, { details: { error } });
}

/**
 * Kratos takes `gjson.Get(output, "claims")` and requires an object: a top-level array, string or number has no
 * `claims`, and `claims` being null, an array or a scalar is refused the same way (where Kratos itself panics,
 * issue #4585, this answers the intended 400).
 */
export function claimsOf(result: EvaluationResult): Record<string, unknown> {
  if ('error' in result) throw mapperExecutionFailed(result.error);
  const document = JSON.parse(result.output) as unknown;
  const claims = isObject(document) ? document.claims : undefined;
  if (!isObject(claims)) throw badRequest(NO_CLAIMS_OBJECT);
  return claims;
}
