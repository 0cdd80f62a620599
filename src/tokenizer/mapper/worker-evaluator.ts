import { EvaluationLoop, type LoopHost } from './evaluation-loop.js';
import type { EvaluationResult } from './mapper-outcome.js';
import { evaluatePlainly } from './plain-evaluation.js';
import type { InitMessage, WorkerMessage, WorkMessage } from './worker-protocol.js';

interface InFlight {
  work: WorkMessage;
  startedAt: number;
  claimsRead: boolean;
}

/** Loop failures in a row without one served input after which the program itself is deemed broken. */
const MAX_BARREN_LOOPS = 3;

/**
 * The inside of a mapper worker process. It keeps one evaluation loop serving inputs in order and a spare loop
 * already built (VM and stdlib parsed) and parked on its first step, so that when a mapper error ends the active
 * loop, the next input is served at once rather than after a new VM is built.
 *
 * A mapper error aborts the whole loop evaluation, but the input in flight is known: only it fails. It is then
 * evaluated again plainly (fresh VM, ExtCode, exactly Kratos's path), and that evaluation's result is the answer,
 * so an error reads exactly as Kratos's, and any difference between the loop and the plain path can only ever
 * turn a loop failure into the reference answer.
 *
 * Bounds: an input in flight longer than `timeoutMs`, or a process over `maxMemoryBytes` while an input is in
 * flight, cannot be interrupted (libjsonnet has no cancellation), so the worker reports the culprit and kills
 * itself; the parent fails that input and retries the others elsewhere.
 */
export class WorkerEvaluator implements LoopHost {
  private readonly queue: WorkMessage[] = [];
  private current: InFlight | null = null;
  private readonly plainInFlight = new Map<number, InFlight>();
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

  submit(work: WorkMessage): void {
    if (work.plain) {
      this.evaluatePlain(work, true);
      return;
    }
    this.queue.push(work);
    const handOver = this.parked.get(this.active);
    if (handOver) {
      this.parked.delete(this.active);
      handOver(this.takeNext());
    }
  }

  /** Hands back the inputs that have not started, so the parent can give them to a worker that is not stuck. */
  release(): void {
    const ids = this.queue.splice(0).map((work) => work.id);
    this.send({ type: 'released', ids });
  }

  // --- LoopHost -------------------------------------------------------------------------------------

  step(loop: EvaluationLoop, previousOutput: string): string | Promise<string> {
    if (loop !== this.active) return new Promise((resolve) => this.parked.set(loop, resolve));
    if (!this.announcedReady) {
      this.announcedReady = true;
      this.send({ type: 'ready' });
    }
    if (this.current && previousOutput !== '') this.finish(this.current, { output: unwrapLoopOutput(previousOutput) });
    if (this.queue.length > 0) return this.takeNext();
    return new Promise((resolve) => this.parked.set(loop, resolve));
  }

  touchedClaims(loop: EvaluationLoop): void {
    if (loop === this.active && this.current) this.current.claimsRead = true;
  }

  ended(loop: EvaluationLoop, outcome: { lastOutput: string } | { error: string }): void {
    this.parked.delete(loop);
    if (loop !== this.active) {
      // The spare never runs mapper code: if it fails, the program cannot run at all.
      if ('error' in outcome) this.fatal(`the evaluation loop program failed to start: ${outcome.error}`);
      return;
    }
    const inFlight = this.current;
    this.current = null;
    if (inFlight) {
      if ('lastOutput' in outcome) {
        this.finish(inFlight, { output: unwrapLoopOutput(outcome.lastOutput) });
      } else {
        // Only this input fails in the loop; its answer comes from the reference evaluation.
        this.evaluatePlain(inFlight.work, inFlight.claimsRead);
      }
      this.barrenLoops = 0;
    } else if ('error' in outcome && ++this.barrenLoops >= MAX_BARREN_LOOPS) {
      this.fatal(`the evaluation loop keeps failing without an input in flight: ${outcome.error}`);
      return;
    }
    this.promoteSpare();
  }

  // --- internals ------------------------------------------------------------------------------------

  private takeNext(): string {
    const work = this.queue.shift() as WorkMessage;
    this.current = { work, startedAt: performance.now(), claimsRead: false };
    return `{"t":${work.t},"s":${work.session},"c":${work.claims}}`;
  }

  private finish(entry: InFlight, result: EvaluationResult): void {
    if (this.current === entry) this.current = null;
    this.send({ type: 'done', id: entry.work.id, result, claimsRead: entry.claimsRead });
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
  private evaluatePlain(work: WorkMessage, claimsReadSoFar: boolean): void {
    const entry: InFlight = { work, startedAt: performance.now(), claimsRead: claimsReadSoFar };
    this.plainInFlight.set(work.id, entry);
    const template = this.init.templates[work.t];
    if (!template) throw new Error(`unknown template index ${work.t}`);
    void evaluatePlainly(template.source, template.origin, work.session, work.claims).then((result) => {
      this.plainInFlight.delete(work.id);
      this.send({ type: 'done', id: work.id, result, claimsRead: 'error' in result ? entry.claimsRead : true });
    });
  }

  private enforceBounds(): void {
    const now = performance.now();
    const inFlight = [...(this.current ? [this.current] : []), ...this.plainInFlight.values()];
    const late = inFlight.find((entry) => now - entry.startedAt > this.init.timeoutMs);
    if (late) {
      this.stop({ type: 'abort', id: late.work.id, reason: 'timeout' });
      return;
    }
    if (inFlight.length > 0 && process.memoryUsage.rss() > this.init.maxMemoryBytes) {
      // The loop's input is the likeliest culprit; plain evaluations are the rare fallback.
      const suspect = this.current ?? inFlight[0];
      this.stop({ type: 'abort', id: suspect ? suspect.work.id : null, reason: 'memory' });
    }
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
