import type { Hono } from 'hono';
import type { Logger } from 'pino';
import type { Config } from '../../src/config/types.js';
import type { Deps } from '../../src/deps.js';
import { createAdminApp } from '../../src/http/admin-app.js';
import type { AppEnv } from '../../src/http/app-env.js';
import { createPublicApp } from '../../src/http/public-app.js';
import { importedHashFormats } from '../../src/identity/hash-formats/imported-hash-formats.js';
import { PasswordHasher } from '../../src/identity/password-hasher.js';
import { createLogger } from '../../src/logging/logger.js';
import { buildRuntime, type Runtime } from '../../src/runtime/build-deps.js';
import { TestClock } from './clock.js';
import { testConfig } from './config.js';

/** What the runtime reads the time from; tests move it forward. */
export interface Clock {
  now: () => Date;
  advance(ms: number): void;
}

/** The real hasher, counting how often it runs argon2: the observable for "a limited request does no hashing". */
export class CountingHasher extends PasswordHasher {
  runs = 0;

  override hash(password: string): Promise<string> {
    this.runs++;
    return super.hash(password);
  }

  override verify(hash: string, password: string): ReturnType<PasswordHasher['verify']> {
    this.runs++;
    return super.verify(hash, password);
  }
}

export interface InProcessTessera {
  runtime: Runtime;
  deps: Deps;
  publicApp: Hono<AppEnv>;
  adminApp: Hono<AppEnv>;
  clock: Clock;
  hasher: CountingHasher;
  close(): Promise<void>;
}

/** Both apps on a real store, called with `app.request()`: no sockets, a clock the test moves. */
export async function inProcess(config: Config = testConfig(), options: { logger?: Logger; clock?: Clock } = {}): Promise<InProcessTessera> {
  const clock = options.clock ?? TestClock.running();
  const runtime = await buildRuntime(config, options.logger ?? createLogger('silent'), { now: clock.now });
  const hasher = new CountingHasher(config.hashers.argon2, { concurrency: 2, maxQueued: config.tessera.limits.hashing_queue_size, formats: importedHashFormats });
  runtime.deps.hasher = hasher;
  return {
    runtime,
    deps: runtime.deps,
    publicApp: createPublicApp(runtime.deps),
    adminApp: createAdminApp(runtime.deps),
    clock,
    hasher,
    close: () => runtime.close(),
  };
}

/** Bindings that make `app.request()` look as if it came from `address` (what @hono/node-server passes). */
export function fromAddress(address: string): AppEnv['Bindings'] {
  return { incoming: { socket: { remoteAddress: address } } } as unknown as AppEnv['Bindings'];
}
