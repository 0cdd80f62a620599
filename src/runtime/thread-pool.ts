/**
 * libuv's thread pool runs argon2 (login, registration) and the JWT signatures of whoami?tokenize_as, as well as
 * asynchronous file I/O. Its size is fixed when the process starts (UV_THREADPOOL_SIZE, default 4; setting it
 * from inside the process is too late). If password hashes could occupy every thread, a tokenize request would
 * wait behind ~100 ms hashes during a burst of logins; so hashing is held to the pool size minus what signing and
 * I/O keep for themselves.
 */
const KEPT_FOR_SIGNING_AND_IO = 2;

export function threadPoolSize(env: NodeJS.ProcessEnv = process.env): number {
  const size = Number.parseInt(env.UV_THREADPOOL_SIZE ?? '', 10);
  // libuv's own bounds: 1 to 1024, 4 when unset or unparseable.
  return Number.isInteger(size) && size > 0 ? Math.min(size, 1024) : 4;
}

/** The most password hashes that may run at once in a pool of `poolSize` threads. */
export function maxHashingConcurrency(poolSize: number): number {
  return Math.max(1, poolSize - KEPT_FOR_SIGNING_AND_IO);
}
