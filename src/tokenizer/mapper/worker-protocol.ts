import type { LoopProgram } from './loop-program.js';
import type { EvaluationResult } from './mapper-outcome.js';

/** Messages between the engine (parent) and a mapper worker process (mapper-worker.ts), over the fork IPC channel. */

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

export interface WorkMessage {
  type: 'work';
  id: number;
  t: number;
  session: string;
  claims: string;
  /** Evaluate with a fresh VM (templates the loop cannot serve) instead of through the loop. */
  plain: boolean;
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

export interface DoneMessage {
  type: 'done';
  id: number;
  result: EvaluationResult;
  /**
   * Whether the evaluation forced any value of `claims` (or could not prove it did not). When false the result
   * is a function of the session JSON alone and may be memoized.
   */
  claimsRead: boolean;
}

/** Answer to ReleaseMessage: these inputs were not started and are the parent's again. */
export interface ReleasedMessage {
  type: 'released';
  ids: number[];
}

/** The worker stops itself right after this: `id` (the culprit, if one was in flight) exceeded a bound. */
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
