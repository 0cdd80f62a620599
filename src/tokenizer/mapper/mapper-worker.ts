/**
 * Entry point of a mapper worker process, forked by worker-pool.ts. It evaluates claims mappers for the parent
 * and nothing else: no logging (inputs are session contents), no state worth saving, so it is killed rather than
 * stopped, and it kills itself as soon as the parent goes away.
 */
import type { ParentMessage, WorkerMessage } from './worker-protocol.js';
import { WorkerEvaluator } from './worker-evaluator.js';

let evaluator: WorkerEvaluator | null = null;
let dying = false;

/** SIGKILL is the only way to end a process whose threadpool thread is stuck in libjsonnet. */
const killSelf = (): void => {
  process.kill(process.pid, 'SIGKILL');
};

const send = (message: WorkerMessage): void => {
  if (!dying) process.send?.(message);
};

const die = (lastMessage: WorkerMessage): void => {
  if (dying) return;
  process.send?.(lastMessage, undefined, {}, () => killSelf());
  dying = true;
  // Should the channel not flush (parent busy or gone), die anyway; the parent copes with a silent exit.
  setTimeout(killSelf, 200);
};

process.on('message', (message: ParentMessage) => {
  if (message.type === 'init') {
    evaluator = new WorkerEvaluator(message, send, die);
  } else if (evaluator && !dying) {
    if (message.type === 'release') evaluator.release();
    else evaluator.submit(message.items);
  }
});
process.on('disconnect', killSelf);
