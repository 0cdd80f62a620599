import { EvaluationLoop, type LoopHost } from './evaluation-loop.js';
import type { EvaluationResult } from './mapper-outcome.js';
import { evaluatePlainly } from './plain-evaluation.js';
import { MAX_STEP_BATCH, type InitMessage, type WorkerMessage, type WorkItem } from './worker-protocol.js';

interface InFlight {
  work: WorkItem;
  startedAt: number;
  claimsRead: boolean;
}

/** Loop failures in a row without one served input after which the program itself is deemed broken. */
const MAX_BARREN_LOOPS = 3;

/**
 * The inside of a mapper worker process. It keeps one evaluation loop serving inputs in batches, in order, and a
 * spare loop already built (VM and stdlib parsed) and parked on its first step, so that when a mapper error ends
 * the active loop, the next inputs are served at once rather than after a new VM is built.
 *
 * A mapper error aborts the whole loop evaluation, with the step in flight. For a step of one input, that input
 * is the culprit: it is evaluated again plainly (fresh VM, ExtCode, exactly Kratos's path), and that evaluation's
 * result is the answer, so an error reads exactly as Kratos's, and any difference between the loop and the plain
 * path can only ever turn a loop failure into the reference answer. For a step of several inputs, they all go
 * back to the head of the queue, to be served one per step: the culprit fails alone, the others succeed.
 *
 * Bounds: a step in flight longer than `timeoutMs`, or a process over `maxMemoryBytes` while a step is in flight,
 * cannot be interrupted (libjsonnet has no cancellation), so the worker reports the culprit (when the step held
 * one input, or a plain evaluation is at fault) and kills itself; the parent fails that input, and retries the
 * others (one by one when the culprit is not known).
 */
export class WorkerEvaluator implements LoopHost {
  private readonly queue: Array<{ work: WorkItem; alone: boolean }> = [];
  private current: InFlight[] = [];
  private currentStartedAt = 0;
  private readonly plainInFlight = new Map<number, InFlight>();
  /** Plain evaluations waiting for a thread: their time bound starts when they start. */
  private readonly plainWaiting: Array<{ work: WorkItem; claimsRead: boolean }> = [];
  /** libuv threads left for plain evaluations: the active and the spare loop each hold one for good. */
  private readonly plainConcurrency = Math.max(1, (Number(process.env.UV_THREADPOOL_SIZE) || 4) - 2);
  private active: EvaluationLoop;
  private spare: EvaluationLoop;
  /** Loops waiting in `step` for an input, with the resolver that hands it over. */
  private readonly parked = new Map<EvaluationLoop, (payload: string) => void>();
  private announcedReady = false;
  private barrenLoops = 0;
  private readonly watchdog: NodeJS.Timeout;

  constructor(
    private readonly init: InitMessage,
    private readonly send: (message: WorkerMessage) => void,
    /** Ends the process at once (SIGKILL): a runaway evaluation thread cannot be stopped any other way. */
    private readonly die: (afterMessage: WorkerMessage) => void,
  ) {
    this.active = new EvaluationLoop(init.program, this);
    this.spare = new EvaluationLoop(init.program, this);
    const every = Math.min(100, Math.max(10, Math.floor(init.timeoutMs / 10)));
    this.watchdog = setInterval(() => this.enforceBounds(), every);
  }

  submit(items: WorkItem[]): void {
    for (const work of items) {
      if (work.plain) this.evaluatePlain(work, true);
      else this.queue.push({ work, alone: work.alone });
    }
    const handOver = this.parked.get(this.active);
    if (handOver && this.queue.length > 0) {
      this.parked.delete(this.active);
      handOver(this.takeNext());
    }
  }

  /** Hands back the inputs that have not started, so the parent can give them to a worker that is not stuck. */
  release(): void {
    const released = this.queue.splice(0);
    this.send({ type: 'released', ids: released.map((entry) => entry.work.id), alone: released.filter((entry) => entry.alone).map((entry) => entry.work.id) });
  }

  // --- LoopHost -------------------------------------------------------------------------------------

  step(loop: EvaluationLoop, previousOutputs: string): string | Promise<string> {
    if (loop !== this.active) return new Promise((resolve) => this.parked.set(loop, resolve));
    if (!this.announcedReady) {
      this.announcedReady = true;
      this.send({ type: 'ready' });
    }
    if (this.current.length > 0) this.finishStep(previousOutputs);
    if (this.queue.length > 0) return this.takeNext();
    return new Promise((resolve) => this.parked.set(loop, resolve));
  }

  touchedClaims(loop: EvaluationLoop, index: number): void {
    const entry = loop === this.active ? this.current[index] : undefined;
    if (entry) entry.claimsRead = true;
  }

  ended(loop: EvaluationLoop, outcome: { lastOutput: string } | { error: string }): void {
    this.parked.delete(loop);
    if (loop !== this.active) {
      // The spare never runs mapper code: if it fails, the program cannot run at all.
      if ('error' in outcome) this.fatal(`the evaluation loop program failed to start: ${outcome.error}`);
      return;
    }
    const inFlight = this.current;
    if (inFlight.length > 0) {
      if ('lastOutput' in outcome) {
        this.finishStep(outcome.lastOutput);
      } else if (inFlight.length === 1) {
        this.current = [];
        const [only] = inFlight as [InFlight];
        // Only this input fails in the loop; its answer comes from the reference evaluation.
        this.evaluatePlain(only.work, only.claimsRead);
      } else {
        // One of these failed, which one is not known: each runs again alone.
        this.current = [];
        this.queue.unshift(...inFlight.map((entry) => ({ work: entry.work, alone: true })));
      }
      this.barrenLoops = 0;
    } else if ('error' in outcome && ++this.barrenLoops >= MAX_BARREN_LOOPS) {
      this.fatal(`the evaluation loop keeps failing without an input in flight: ${outcome.error}`);
      return;
    }
    this.promoteSpare();
  }

  // --- internals ------------------------------------------------------------------------------------

  /** The next step's inputs: one input that must run alone, or up to MAX_STEP_BATCH others in order. */
  private takeNext(): string {
    const now = performance.now();
    const batch: InFlight[] = [];
    while (this.queue.length > 0 && batch.length < MAX_STEP_BATCH) {
      const head = this.queue[0] as { work: WorkItem; alone: boolean };
      if (head.alone && batch.length > 0) break;
      this.queue.shift();
      batch.push({ work: head.work, startedAt: now, claimsRead: false });
      if (head.alone) break;
    }
    this.current = batch;
    this.currentStartedAt = now;
    return `[${batch.map(({ work }) => `{"t":${work.t},"s":${work.session},"c":${work.claims}}`).join(',')}]`;
  }

  /** The step's outputs, one line per input (each the single-line manifestation in brackets, see loop-program.ts). */
  private finishStep(outputs: string): void {
    const batch = this.current;
    this.current = [];
    const lines = outputs.split('\n');
    this.send({ type: 'done', items: batch.map((entry, i) => ({ id: entry.work.id, result: { output: unwrapLoopOutput(lines[i] ?? '') }, claimsRead: entry.claimsRead })) });
  }

  private promoteSpare(): void {
    this.active = this.spare;
    this.spare = new EvaluationLoop(this.init.program, this);
    const handOver = this.parked.get(this.active);
    if (handOver && this.queue.length > 0) {
      this.parked.delete(this.active);
      handOver(this.takeNext());
    }
  }

  /**
   * @param claimsReadSoFar for a re-evaluation after a loop failure: whether the loop saw `claims` forced before
   *   failing. A failure of the loop that never touched claims happened on a path independent of them, so when
   *   the reference fails too, the failure may be memoized like an output. When the reference succeeds where the
   *   loop failed (the loop runs a few stack frames deeper), nothing was proven and nothing is memoized.
   */
  private evaluatePlain(work: WorkItem, claimsReadSoFar: boolean): void {
    this.plainWaiting.push({ work, claimsRead: claimsReadSoFar });
    this.startPlainEvaluations();
  }

  private startPlainEvaluations(): void {
    while (this.plainInFlight.size < this.plainConcurrency && this.plainWaiting.length > 0) {
      const { work, claimsRead } = this.plainWaiting.shift() as { work: WorkItem; claimsRead: boolean };
      const entry: InFlight = { work, startedAt: performance.now(), claimsRead };
      this.plainInFlight.set(work.id, entry);
      const template = this.init.templates[work.t];
      if (!template) throw new Error(`unknown template index ${work.t}`);
      void evaluatePlainly(template.source, template.origin, work.session, work.claims).then((result: EvaluationResult) => {
        this.plainInFlight.delete(work.id);
        this.send({ type: 'done', items: [{ id: work.id, result, claimsRead: 'error' in result ? entry.claimsRead : true }] });
        this.startPlainEvaluations();
      });
    }
  }

  private enforceBounds(): void {
    const now = performance.now();
    const stepLate = this.current.length > 0 && now - this.currentStartedAt > this.init.timeoutMs;
    const latePlain = [...this.plainInFlight.values()].find((entry) => now - entry.startedAt > this.init.timeoutMs);
    if (stepLate || latePlain) {
      this.stop({ type: 'abort', id: latePlain ? latePlain.work.id : this.culpritOfStep(), reason: 'timeout' });
      return;
    }
    if ((this.current.length > 0 || this.plainInFlight.size > 0) && process.memoryUsage.rss() > this.init.maxMemoryBytes) {
      // The loop's step is the likeliest culprit; plain evaluations are the rare fallback.
      const plain = this.plainInFlight.values().next();
      this.stop({ type: 'abort', id: this.current.length > 0 ? this.culpritOfStep() : plain.done ? null : plain.value.work.id, reason: 'memory' });
    }
  }

  /** The input to blame for the step in flight: known only when the step holds one. */
  private culpritOfStep(): number | null {
    return this.current.length === 1 ? (this.current[0] as InFlight).work.id : null;
  }

  private fatal(message: string): void {
    this.stop({ type: 'fatal', message });
  }

  private stop(message: WorkerMessage): void {
    clearInterval(this.watchdog);
    this.die(message);
  }
}

/** Loop outputs are `'' + [output]`: the single-line manifestation of the output, in brackets. */
function unwrapLoopOutput(wrapped: string): string {
  return wrapped.slice(1, -1);
}
