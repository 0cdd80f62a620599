type Waiter<V> = { resolve: (value: V | undefined) => void; reject: (error: unknown) => void };

/**
 * Lookups asked for during one turn of the event loop, answered together once that turn's I/O has been handled
 * (setImmediate): the requests parsed together share one read of the database. The read happens after every one
 * of those requests arrived, so it sees every commit made before any of them arrived: batching changes when the
 * database is read, not what a request can see. A key asked for several times in a turn is read once.
 *
 * `answer` gets the distinct keys and returns the values it found (a key left out answers `undefined`); if it
 * throws or rejects, every waiter of that batch gets the error.
 */
export class PerTurnBatch<V> {
  private pending = new Map<string, Array<Waiter<V>>>();
  private scheduled = false;

  constructor(private readonly answer: (keys: string[]) => Map<string, V> | Promise<Map<string, V>>) {}

  get(key: string): Promise<V | undefined> {
    return new Promise((resolve, reject) => {
      const waiters = this.pending.get(key);
      if (waiters) waiters.push({ resolve, reject });
      else this.pending.set(key, [{ resolve, reject }]);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.flush);
      }
    });
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    const batch = this.pending;
    this.pending = new Map();
    let answered: Map<string, V> | Promise<Map<string, V>>;
    try {
      answered = this.answer([...batch.keys()]);
    } catch (error) {
      settle(batch, null, error);
      return;
    }
    if (answered instanceof Map) settle(batch, answered, null);
    else answered.then((values) => settle(batch, values, null), (error: unknown) => settle(batch, null, error));
  };
}

function settle<V>(batch: Map<string, Array<Waiter<V>>>, values: Map<string, V> | null, error: unknown): void {
  for (const [key, waiters] of batch) {
    for (const waiter of waiters) {
      if (values) waiter.resolve(values.get(key));
      else waiter.reject(error);
    }
  }
}
