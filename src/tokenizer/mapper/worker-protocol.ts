import type { LoopProgram } from './loop-program.js';
import type { EvaluationResult } from './mapper-outcome.js';

/** Messages between the engine (parent) and a mapper worker process (mapper-worker.ts), over the fork IPC channel. */

/**
 * Inputs per step of a worker's evaluation loop. A step costs a round trip between the evaluation thread and the
 * worker's main thread (~30-50 µs of wall time), an input ~0.1-0.3 ms of evaluation: batches of a few amortize
 * the first.
 */
export const MAX_STEP_BATCH = 8;

export interface WorkerTemplate {
  /** Original source and file name, for plain evaluation (exactly Kratos's path). */
  source: string;
  origin: string;
}

export interface InitMessage {
  type: 'init';
  program: LoopProgram;
  /** By template index, the index used in WorkMessage.t and in the loop program. */
  templates: WorkerTemplate[];
  timeoutMs: number;
  maxMemoryBytes: number;
}

export interface WorkItem {
  id: number;
  t: number;
  /** The session and the claims as JSON text. */
  session: string;
  claims: string;
  /** Evaluate with a fresh VM (templates the loop cannot serve) instead of through the loop. */
  plain: boolean;
  /** Evaluate in a step of its own: it was in flight when a worker died without naming a culprit. */
  alone: boolean;
}

/** Inputs to evaluate, in order (sent together: one message per dispatch round, not per input). */
export interface WorkMessage {
  type: 'work';
  items: WorkItem[];
}

/** Give back every input not started yet: the one in flight is taking long, and others should not wait on it. */
export interface ReleaseMessage {
  type: 'release';
}

export type ParentMessage = InitMessage | WorkMessage | ReleaseMessage;

/** The evaluation loop asked for its first input: the worker can take work. */
export interface ReadyMessage {
  type: 'ready';
}

export interface DoneItem {
  id: number;
  result: EvaluationResult;
  /**
   * Whether the evaluation forced any value of `claims` (or could not prove it did not). When false the result
   * is a function of the session JSON alone and may be memoized.
   */
  claimsRead: boolean;
}

/** Results, in the order the inputs were evaluated (one message per loop step or plain evaluation). */
export interface DoneMessage {
  type: 'done';
  items: DoneItem[];
}

/** Answer to ReleaseMessage: these inputs were not started and are the parent's again. */
export interface ReleasedMessage {
  type: 'released';
  ids: number[];
  /**
   * Those of `ids` that must run alone: they were in a step of several inputs that failed. Sent back in a batch
   * again, they would fail it again, and each failure costs a loop (a VM build): under load, where builds are
   * slow and releases frequent, that repeats without end.
   */
  alone: number[];
}

/**
 * The worker stops itself right after this: `id`, the culprit, exceeded a bound. It is null when no single input
 * can be blamed (a step of several inputs was in flight): the parent then runs each of those alone.
 */
export interface AbortMessage {
  type: 'abort';
  id: number | null;
  reason: 'timeout' | 'memory';
}

/** The loop program itself cannot run (an engine fault, not a mapper fault); the worker exits. */
export interface FatalMessage {
  type: 'fatal';
  message: string;
}

export type WorkerMessage = ReadyMessage | DoneMessage | ReleasedMessage | AbortMessage | FatalMessage;
