import { pino, type DestinationStream } from 'pino';

/** Lines are handed to the kernel once this many bytes are waiting... */
export const LOG_BUFFER_BYTES = 4096;
/** ...and at the latest this long after they were logged. */
export const LOG_FLUSH_INTERVAL_MS = 100;

type SonicBoom = ReturnType<typeof pino.destination>;

/**
 * pino's asynchronous destination (sonic-boom) with a buffer: lines are written in batches of LOG_BUFFER_BYTES
 * (about 20 access-log lines), by libuv's thread pool, and a timer writes out a partial batch after
 * LOG_FLUSH_INTERVAL_MS, so a quiet service's lines still appear promptly. Writing every line as it comes (the
 * destination's default) cost a write system call and a thread-pool round trip for nearly every request.
 *
 * What can be lost:
 * - a graceful stop loses nothing: `tessera serve` flushes (and fsyncs) after the servers have drained;
 * - an uncaught exception or `process.exit()` loses nothing either: pino registers an exit handler on this
 *   destination that writes out what is left synchronously;
 * - a death that runs no JavaScript (SIGKILL, the kernel's out-of-memory killer, a native crash, power loss) loses
 *   the lines not yet handed to the kernel: those of the last LOG_FLUSH_INTERVAL_MS at most, i.e. at most
 *   LOG_BUFFER_BYTES waiting plus one write in flight (sonic-boom writes at most 16 KiB at a time).
 */
export class BufferedDestination implements DestinationStream {
  private readonly stream: SonicBoom;
  private pending = false;
  private closed = false;
  private readonly timer: NodeJS.Timeout;

  constructor(fd: number) {
    this.stream = pino.destination({ dest: fd, sync: false, minLength: LOG_BUFFER_BYTES });
    this.timer = setInterval(() => this.flushPartial(), LOG_FLUSH_INTERVAL_MS);
    // The timer must not keep a finished process alive; the exit handler and flush() cover the end.
    this.timer.unref();
    // pino ends the stream itself when the event loop runs dry (its beforeExit handler).
    this.stream.on('close', () => {
      this.closed = true;
      clearInterval(this.timer);
    });
  }

  write(line: string): boolean {
    this.pending = true;
    return this.stream.write(line);
  }

  /** Writes out everything buffered; `callback` runs once it is written and fsynced. */
  flush(callback?: (error?: Error) => void): void {
    this.pending = false;
    this.stream.flush(callback);
  }

  flushSync(): void {
    this.stream.flushSync();
  }

  private flushPartial(): void {
    if (!this.pending || this.closed) return;
    this.pending = false;
    this.stream.flush();
  }
}
