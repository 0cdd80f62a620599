import type { JsonObject } from '../../json-object.js';
import type { FlowKind } from '../flow.js';
import { asObject, type SubmitBody } from '../submission.js';
import type { Strategy, StrategySubmits } from './strategy.js';

/**
 * The first of the enabled strategies that takes part in flows of `kind` and says it is responsible for the
 * submitted body, or null when none is (a body that did not decode to an object has no responsible strategy).
 */
export function responsibleStrategy<K extends FlowKind>(strategies: readonly Strategy[], kind: K, body: SubmitBody): { submit: StrategySubmits[K]; fields: JsonObject } | null {
  const fields = body.ok ? asObject(body.value) : null;
  if (!fields) return null;
  for (const strategy of strategies) {
    const submit = strategy.submit[kind];
    if (submit && strategy.isResponsible(fields)) return { submit: submit as StrategySubmits[K], fields };
  }
  return null;
}
