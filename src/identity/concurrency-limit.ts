/** Thrown by `ConcurrencyLimit.run` when every slot is taken and the queue is full. */
export class QueueFullError extends Error {
  override readonly name = 'QueueFullError';
}

/**
 * A counting semaphore with a bounded, first-come first-served queue. Password hashing is CPU-bound and runs on
 * libuv's threadpool; letting every login hash at once would take every core from the event loop (and from
 * whoami). Work beyond the limit waits its turn, and work beyond the queue is refused at once: an unbounded queue
 * only turns a burst into ever longer waits (and the memory of every waiting request) instead of an answer.
 *
 * A finished task hands its slot straight to the first waiter: the running count never dips in between, so a
 * newcomer cannot take the slot before the waiter resumes, and the limit holds at every instant.
 */
export class ConcurrencyLimit {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly limit: number,
    private readonly maxQueued = Number.POSITIVE_INFINITY,
  ) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running < this.limit) this.running++;
    else if (this.waiting.length >= this.maxQueued) throw new QueueFullError(`all ${this.limit} slots are busy and ${this.waiting.length} tasks are waiting`);
    // Resolved by release() with the slot already ours: `running` was not decremented for us to take it.
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await task();
    } finally {
      this.release();
    }
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }

  /** Tasks waiting for a slot. */
  get pending(): number {
    return this.waiting.length;
  }

}
