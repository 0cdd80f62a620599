import type { Deps } from '../../deps.js';
import type { UiText } from '../../text/messages.js';
import type { FlowKind } from '../flow.js';
import { asObject, isFormOutcome, openSubmission } from '../submission.js';
import type { FormOutcome } from '../submit-outcomes.js';
import type { StrategySubmit, StrategySubmits } from './strategy.js';

/**
 * A submit of a flow of `kind`, handed to the first of the enabled strategies that takes part in such flows and
 * says it is responsible for the body (a body that did not decode to an object has none). When none is, the flow's
 * own checks run (openSubmission) and the form answers with `noStrategy`.
 */
export async function submitToStrategy<K extends FlowKind>(
  deps: Deps,
  kind: K,
  submit: Omit<StrategySubmit, 'fields'>,
  noStrategy: UiText,
): Promise<Awaited<ReturnType<StrategySubmits[K]>> | FormOutcome> {
  const fields = submit.body.ok ? asObject(submit.body.value) : null;
  if (fields) {
    for (const strategy of deps.strategies) {
      const handler = strategy.submit[kind] as StrategySubmits[K] | undefined;
      if (handler && strategy.isResponsible(fields)) return (await handler(deps, { ...submit, fields })) as Awaited<ReturnType<StrategySubmits[K]>>;
    }
  }
  const opened = await openSubmission(deps, kind, submit.flowId, submit.body, submit.request, submit.rules);
  if (isFormOutcome(opened)) return opened;
  return opened.fail(noStrategy);
}
