import { fork, type ChildProcess } from 'node:child_process';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mapperWorkerCrashed, serviceUnavailable } from '../../errors/kratos-error.js';
import type { EvaluationResult } from './mapper-outcome.js';
import { MAX_STEP_BATCH, type InitMessage, type WorkerMessage, type WorkItem, type WorkMessage } from './worker-protocol.js';
import { loaderFlags } from '../../runtime/loader-flags.js';

export interface PoolOutcome {
  result: EvaluationResult;
  claimsRead: boolean;
}

export interface WorkerPoolOptions {
  workers: number;
  timeoutMs: number;
  maxMemoryBytes: number;
  init: Omit<InitMessage, 'type' | 'timeoutMs' | 'maxMemoryBytes'>;
  /** How long a new worker may take to become ready (process start, module loading, first VM). */
  startTimeoutMs?: number;
}

interface Job {
  id: number;
  t: number;
  session: string;
  claims: string;
  plain: boolean;
  /**
   * It was in flight in a worker that died without naming a culprit (a crash, or a bound hit by a step of several
   * inputs): it now runs alone in a worker, so that if it is the culprit, it fails alone.
   */
  alone: boolean;
  /** Workers this job was in when they died because of another, named, culprit. */
  attempts: number;
  resolve: (outcome: PoolOutcome) => void;
  reject: (error: Error) => void;
}

interface Worker {
  child: ChildProcess;
  ready: boolean;
  spawnedAt: number;
  /** Jobs sent to it and not answered, in the order sent. */
  pending: Map<number, Job>;
  /** Last message from it, or when it last went from idle to busy. */
  lastHeardAt: number;
  abort: { id: number | null; reason: 'timeout' | 'memory' } | null;
  /** Asked to release its queued jobs because its job in flight is slow; takes no new work until it answers. */
  stalled: boolean;
  /** Holds a job that must run alone: takes no other work until it is done. */
  holdsAlone: boolean;
  fatal: string | null;
  stderrTail: string;
}

/**
 * Jobs a worker holds at once: a step's batch in flight and the next one queued, so it never waits on the IPC
 * round trip and its loop can take several inputs per step.
 */
const WINDOW = 2 * MAX_STEP_BATCH;
/**
 * A worker that has not answered for this long while holding several jobs gives back those not started, so they
 * do not wait behind a slow (maybe runaway) one. Normal evaluations take well under a millisecond.
 */
const STALL_MS = 100;
/** A job caught in this many worker deaths blamed on another job fails rather than wander forever. */
const MAX_ATTEMPTS = 3;
const STDERR_TAIL = 4096;
/**
 * A worker's JavaScript heap holds only a few messages at a time, but V8 grows its young generation to 48 MB under
 * a steady allocation rate; capping the semi-spaces keeps a worker's memory ~25 MB smaller at no measurable cost.
 */
const WORKER_V8_FLAGS = ['--max-semi-space-size=2'];

/**
 * A small pool of mapper worker processes (mapper-worker.ts). Evaluation happens there, not in this process,
 * because a mapper that never terminates cannot be interrupted inside a process (node-jsonnet runs it on the libuv
 * threadpool, with no cancellation): a worker over the time or memory bound is killed and replaced, its culprit
 * input fails with a clear error, and the other inputs it held are retried on another worker.
 *
 * A worker can also die without naming a culprit: it crashed (a mapper that overflows a native stack, say), or
 * it hit a bound while evaluating a step of several inputs. Every input it held then runs again alone in a
 * worker. An input that kills a worker while alone is the culprit: its request fails with a 500, since a crash is
 * the server's fault and not a mapper error Kratos would report; the others are answered normally.
 *
 * Dispatch: one FIFO queue; each ready worker holds up to WINDOW jobs; the least loaded takes the next one; the
 * jobs dispatched in one round go to a worker in one message.
 */
export class WorkerPool {
  private readonly queue: Job[] = [];
  private readonly workers: Array<Worker | null>;
  private nextId = 1;
  private closed = false;
  private readonly backstop: NodeJS.Timeout;
  private readonly stallCheck: NodeJS.Timeout;
  private readonly startFailures: number[];
  private readonly respawnTimers = new Set<NodeJS.Timeout>();
  private pumpScheduled = false;
  private readonly scheduledPump = (): void => {
    this.pumpScheduled = false;
    this.pump();
  };

  private constructor(private readonly options: WorkerPoolOptions) {
    this.workers = Array.from({ length: Math.max(1, options.workers) }, () => null);
    this.startFailures = this.workers.map(() => 0);
    this.backstop = setInterval(() => this.enforceBackstop(), 1000);
    this.backstop.unref();
    this.stallCheck = setInterval(() => this.releaseFromStalledWorkers(), STALL_MS / 2);
    this.stallCheck.unref();
  }

  /** Starts the workers and resolves once every one of them is ready; rejects if one cannot start. */
  static async start(options: WorkerPoolOptions): Promise<WorkerPool> {
    const pool = new WorkerPool(options);
    try {
      await Promise.all(pool.workers.map((_, slot) => pool.spawnAndAwaitReady(slot)));
    } catch (error) {
      await pool.close();
      throw error;
    }
    return pool;
  }

  /** Process ids of the live workers (the benchmark adds their memory to the server's). */
  get workerPids(): number[] {
    return this.workers.flatMap((worker) => (worker?.child.pid === undefined ? [] : [worker.child.pid]));
  }

  evaluate(t: number, session: string, claims: string, plain: boolean): Promise<PoolOutcome> {
    if (this.closed) return Promise.reject(engineStopped());
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, t, session, claims, plain, alone: false, attempts: 0, resolve, reject });
      // Dispatched once this turn of the event loop is done, with the other inputs of the requests handled in it:
      // one message per worker rather than one per input (a message costs ~10-30 µs to write and read).
      if (!this.pumpScheduled) {
        this.pumpScheduled = true;
        setImmediate(this.scheduledPump);
      }
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.backstop);
    clearInterval(this.stallCheck);
    for (const timer of this.respawnTimers) clearTimeout(timer);
    const exits: Array<Promise<void>> = [];
    for (const worker of this.workers) {
      if (!worker) continue;
      for (const job of worker.pending.values()) job.reject(engineStopped());
      worker.pending.clear();
      if (worker.child.exitCode === null && worker.child.signalCode === null) {
        exits.push(new Promise((resolve) => worker.child.once('exit', () => resolve())));
        worker.child.kill('SIGKILL');
      }
    }
    for (const job of this.queue.splice(0)) job.reject(engineStopped());
    await Promise.all(exits);
  }

  // --- dispatch ---------------------------------------------------------------------------------------

  private pump(): void {
    const outgoing = new Map<Worker, WorkItem[]>();
    while (this.queue.length > 0) {
      const job = this.queue[0] as Job;
      let target: Worker | null = null;
      for (const worker of this.workers) {
        if (!worker?.ready || worker.abort !== null || worker.stalled || worker.holdsAlone) continue;
        // A job that must run alone waits (at the head of the queue) for a worker with nothing else to do.
        if (job.alone ? worker.pending.size > 0 : worker.pending.size >= WINDOW) continue;
        if (!target || worker.pending.size < target.pending.size) target = worker;
      }
      if (!target) break;
      this.queue.shift();
      if (target.pending.size === 0) target.lastHeardAt = performance.now();
      target.pending.set(job.id, job);
      if (job.alone) target.holdsAlone = true;
      let items = outgoing.get(target);
      if (!items) outgoing.set(target, (items = []));
      items.push({ id: job.id, t: job.t, session: job.session, claims: job.claims, plain: job.plain, alone: job.alone });
    }
    for (const [worker, items] of outgoing) {
      const message: WorkMessage = { type: 'work', items };
      worker.child.send(message);
    }
  }

  // --- worker lifecycle -------------------------------------------------------------------------------

  private spawnAndAwaitReady(slot: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const worker = this.spawn(slot);
      const startTimeoutMs = this.options.startTimeoutMs ?? 60_000;
      const timer = setTimeout(() => {
        worker.child.kill('SIGKILL');
        reject(new Error(`the claims mapper worker did not start within ${startTimeoutMs} ms${tail(worker)}`));
      }, startTimeoutMs);
      worker.child.on('message', (message: WorkerMessage) => {
        if (message.type === 'ready') {
          clearTimeout(timer);
          resolve();
        }
      });
      worker.child.once('close', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`the claims mapper worker exited during start (${signal ?? `code ${code}`})${worker.fatal ? `: ${worker.fatal}` : ''}${tail(worker)}`));
      });
    });
  }

  private spawn(slot: number): Worker {
    const child = fork(workerEntry(), [], {
      execArgv: [...loaderFlags(process.execArgv), ...WORKER_V8_FLAGS],
      // stdout is unused; stderr is kept (tail only) to explain a worker that fails to start. Mapper traces
      // (std.trace) may carry session contents, so nothing from it is logged otherwise.
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      // The structured-clone format copies the session texts as they are; JSON would escape every quote in them.
      serialization: 'advanced',
      // The active loop and the spare loop each hold a threadpool thread for good; plain evaluations need more.
      env: { ...process.env, UV_THREADPOOL_SIZE: String(Math.max(4, Number(process.env.UV_THREADPOOL_SIZE) || 0)) },
    });
    const now = performance.now();
    const worker: Worker = { child, ready: false, spawnedAt: now, pending: new Map(), lastHeardAt: now, abort: null, stalled: false, holdsAlone: false, fatal: null, stderrTail: '' };
    this.workers[slot] = worker;
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      worker.stderrTail = (worker.stderrTail + chunk).slice(-STDERR_TAIL);
    });
    child.on('message', (message: WorkerMessage) => this.onMessage(worker, slot, message));
    // 'close', not 'exit': it comes after the IPC channel is drained, so an 'abort' sent just before the worker
    // killed itself has been seen.
    child.once('close', () => this.onExit(worker, slot));
    // A failed spawn or a send on a closed channel emits 'error'; either way the worker is done for.
    child.on('error', () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    const init: InitMessage = { type: 'init', ...this.options.init, timeoutMs: this.options.timeoutMs, maxMemoryBytes: this.options.maxMemoryBytes };
    child.send(init);
    return worker;
  }

  private onMessage(worker: Worker, slot: number, message: WorkerMessage): void {
    worker.lastHeardAt = performance.now();
    switch (message.type) {
      case 'ready':
        worker.ready = true;
        this.startFailures[slot] = 0;
        this.pump();
        return;
      case 'done': {
        for (const item of message.items) {
          const job = worker.pending.get(item.id);
          if (!job) continue;
          worker.pending.delete(item.id);
          if (job.alone) worker.holdsAlone = false;
          job.resolve({ result: item.result, claimsRead: item.claimsRead });
        }
        worker.stalled = false;
        this.pump();
        return;
      }
      case 'released': {
        const released: Job[] = [];
        const alone = new Set(message.alone);
        for (const id of message.ids) {
          const job = worker.pending.get(id);
          if (!job) continue;
          worker.pending.delete(id);
          if (job.alone) worker.holdsAlone = false;
          // The worker had found it must run alone (a step it shared failed): that holds wherever it runs next.
          if (alone.has(id)) job.alone = true;
          released.push(job);
        }
        // With nothing left in flight (its inputs were only waiting for a loop to be built), it is not stuck on
        // anything and no answer will come to lift the stall: it may take work again.
        if (worker.pending.size === 0) worker.stalled = false;
        this.queue.unshift(...released);
        this.pump();
        return;
      }
      case 'abort':
        worker.abort = { id: message.id, reason: message.reason };
        return;
      case 'fatal':
        worker.fatal = message.message;
        return;
    }
  }

  private onExit(worker: Worker, slot: number): void {
    if (this.workers[slot] === worker) this.workers[slot] = null;
    const retry: Job[] = [];
    const culprit = worker.abort?.id ?? null;
    for (const job of worker.pending.values()) {
      if (worker.abort && culprit === job.id) {
        job.resolve({ result: { error: abortText(worker.abort.reason, this.options) }, claimsRead: true });
      } else if (culprit !== null) {
        // Another job was to blame: this one is retried as it was.
        if (++job.attempts >= MAX_ATTEMPTS) job.resolve({ result: { error: 'the claims mapper evaluation process exited unexpectedly' }, claimsRead: true });
        else retry.push(job);
      } else if (job.alone && worker.pending.size === 1) {
        // It ran alone and the worker died without a word: it is the one that kills workers.
        job.reject(mapperWorkerCrashed());
      } else {
        job.alone = true;
        retry.push(job);
      }
    }
    worker.pending.clear();
    // Retried jobs go first: they have waited longest.
    this.queue.unshift(...retry);
    if (this.closed) return;
    if (!worker.ready) this.startFailures[slot] = (this.startFailures[slot] ?? 0) + 1;
    this.scheduleRespawn(slot);
    this.pump();
  }

  private scheduleRespawn(slot: number): void {
    const failures = this.startFailures[slot] ?? 0;
    // A worker that cannot start is retried with backoff; meanwhile, if no worker at all can take work, waiting
    // jobs fail now rather than hang.
    if (failures > 0 && !this.workers.some((w) => w?.ready)) {
      for (const job of this.queue.splice(0)) job.reject(engineUnavailable());
    }
    const delay = failures === 0 ? 0 : Math.min(5000, 100 * 2 ** (failures - 1));
    const timer = setTimeout(() => {
      this.respawnTimers.delete(timer);
      if (!this.closed) this.spawn(slot);
    }, delay);
    this.respawnTimers.add(timer);
  }

  private releaseFromStalledWorkers(): void {
    const now = performance.now();
    for (const worker of this.workers) {
      if (!worker?.ready || worker.abort || worker.stalled || worker.pending.size < 2 || now - worker.lastHeardAt < STALL_MS) continue;
      // Released inputs could only come back to it: under load (a slow step, a loop being built) that is churn.
      if (!this.workers.some((other) => other !== worker && other?.ready && !other.abort && !other.stalled)) continue;
      worker.stalled = true;
      worker.child.send({ type: 'release' });
    }
  }

  /**
   * The workers police their own bounds; this catches a worker that stopped answering altogether (or never
   * became ready): its oldest job, the one in flight, fails as timed out, and the rest are retried.
   */
  private enforceBackstop(): void {
    const now = performance.now();
    const silentFor = this.options.timeoutMs + 5000;
    const startFor = this.options.startTimeoutMs ?? 60_000;
    for (const worker of this.workers) {
      if (!worker || worker.abort) continue;
      const stuck = worker.ready ? worker.pending.size > 0 && now - worker.lastHeardAt > silentFor : now - worker.spawnedAt > startFor;
      if (!stuck) continue;
      const oldest = worker.pending.keys().next();
      worker.abort = { id: oldest.done ? null : oldest.value, reason: 'timeout' };
      worker.child.kill('SIGKILL');
    }
  }
}

function abortText(reason: 'timeout' | 'memory', options: WorkerPoolOptions): string {
  return reason === 'timeout'
    ? `the claims mapper did not finish within ${options.timeoutMs} ms and was stopped`
    : `the claims mapper needed more than ${Math.round(options.maxMemoryBytes / 1024 / 1024)} MiB of memory and was stopped`;
}

const engineStopped = (): Error => serviceUnavailable('The claims mapper engine has been stopped.');
const engineUnavailable = (): Error => serviceUnavailable('The claims mapper engine cannot start its worker processes.');

function tail(worker: Worker): string {
  const text = worker.stderrTail.trim();
  return text ? `; its stderr ends with: ${text}` : '';
}

/**
 * The worker module next to this one: mapper-worker.ts when running from source (tsx), mapper-worker.js when
 * running compiled.
 */
function workerEntry(): string {
  const self = fileURLToPath(import.meta.url);
  return fileURLToPath(new URL(`./mapper-worker${extname(self)}`, import.meta.url));
}

