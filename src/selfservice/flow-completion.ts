import { FlowAlreadyCompletedError } from '../store/errors.js';
import type { FlowStore } from '../store/store.js';
import type { Flow, FlowCompletion } from './flow.js';

/**
 * The one way a flow is completed, whatever the method: the flow moves to `passed_challenge` with `active` set to
 * the method, in the same transaction as the write it authorizes (`write`: the new session or identity), as a
 * compare-and-set (FlowCompletion). Without a write of its own the completion is written alone
 * (FlowStore.completeFlow). False, with nothing written and `flow` unchanged, when another request completed the
 * flow first; true, with `flow` updated to what was written, otherwise.
 */
export async function completeFlow(
  deps: { store: FlowStore },
  flow: Flow,
  method: string,
  now: Date,
  write?: (completion: FlowCompletion) => Promise<void>,
): Promise<boolean> {
  const completion: FlowCompletion = { flow: { ...flow, state: 'passed_challenge', active: method, updatedAt: now } };
  try {
    await (write ? write(completion) : deps.store.completeFlow(completion));
  } catch (error) {
    if (error instanceof FlowAlreadyCompletedError) return false;
    throw error;
  }
  Object.assign(flow, completion.flow);
  return true;
}
