import argon2 from 'argon2';
import type { Config } from '../config/types.js';
import { serviceUnavailable } from '../errors/kratos-error.js';
import { ConcurrencyLimit, QueueFullError } from './concurrency-limit.js';
import { FailedCheckFloor, realCheckClock, type CheckClock } from './failed-check-floor.js';
import { inspectArgon2 } from './hash-formats/argon2-inspection.js';
import type { HashInspection } from './hash-formats/hash-inspection.js';
import { phcCostClass } from './hash-formats/phc-cost-class.js';

export interface VerifyResult {
  ok: boolean;
  /** True when the stored hash is not argon2id with the configured parameters and should be replaced. */
  needsRehash: boolean;
}

/** Verifies a password against a stored hash of one particular format (argon2, bcrypt, pbkdf2, ...). */
export interface HashFormat {
  name: string;
  matches(hash: string): boolean;
  /** Checks an imported hash before it is stored: parseable, and with costs inside Kratos's bounds. */
  inspect(hash: string): HashInspection;
  /** The format and cost parameters, without salt or digest: hashes of one class cost the same to verify. */
  costClass(hash: string): string;
  verify(hash: string, password: string): Promise<boolean>;
}

export interface PasswordHasherOptions {
  /** Hashes computed at once (`tessera.limits.hashing_concurrency`). */
  concurrency: number;
  /** Hashes that may wait for a slot (`tessera.limits.hashing_queue_size`); unbounded when absent. */
  maxQueued?: number;
  /** Formats verified besides argon2 (imported hashes). */
  formats?: readonly HashFormat[];
  clock?: CheckClock;
}

/**
 * argon2id with the parameters from `hashers.argon2`. Hashing and verification run on libuv's threadpool (the
 * argon2 addon is asynchronous), never on the event loop, at most `concurrency` at a time and with at most
 * `maxQueued` waiting: one more is refused with a 503 and a Retry-After instead of waiting without end.
 *
 * A failed verification is held until it has cost what the costliest recent check cost (failed-check-floor.ts),
 * and an unknown identifier verifies against a dummy hash with the current parameters: a failure takes the same
 * time whether the identifier is unknown or its account holds an argon2 hash with older parameters, or an
 * imported bcrypt, PBKDF2 or scrypt hash.
 */
export class PasswordHasher {
  private readonly limit: ConcurrencyLimit;
  private readonly concurrency: number;
  private readonly maxQueued: number;
  private readonly options: { type: typeof argon2.argon2id; memoryCost: number; timeCost: number; parallelism: number; hashLength: number; saltLength: number };
  private readonly formats: HashFormat[];
  private readonly clock: CheckClock;
  private readonly floor = new FailedCheckFloor();
  private dummyHash: Promise<string> | null = null;

  constructor(config: Config['hashers']['argon2'], options: PasswordHasherOptions) {
    this.concurrency = options.concurrency;
    this.maxQueued = options.maxQueued ?? Number.POSITIVE_INFINITY;
    this.limit = new ConcurrencyLimit(this.concurrency, this.maxQueued);
    this.clock = options.clock ?? realCheckClock;
    this.options = {
      type: argon2.argon2id,
      memoryCost: Math.floor(config.memory / 1024),
      timeCost: config.iterations,
      parallelism: config.parallelism,
      hashLength: config.key_length,
      saltLength: config.salt_length,
    };
    this.formats = [argon2Format, ...(options.formats ?? [])];
  }

  hash(password: string): Promise<string> {
    const { saltLength, ...options } = this.options;
    return this.inSlot(async () => inKratosParameterOrder(await argon2.hash(password, { ...options, salt: randomSalt(saltLength) })));
  }

  /** True when `hash` is in a format this hasher can verify. */
  isSupported(hash: string): boolean {
    return this.formats.some((format) => format.matches(hash));
  }

  /** How an imported hash fares: `unknown` when no format matches it, else its format's verdict. */
  inspectImported(hash: string): HashInspection {
    const format = this.formats.find((f) => f.matches(hash));
    return format ? format.inspect(hash) : 'unknown';
  }

  async verify(hash: string, password: string): Promise<VerifyResult> {
    const format = this.formats.find((f) => f.matches(hash));
    const check = format ? await this.timedCheck(format.costClass(hash), () => format.verify(hash, password)) : { ok: false, ms: 0 };
    if (!check.ok) {
      // Held outside the hashing slot: a timer costs no CPU, and the next check need not wait for it.
      const padding = this.floor.paddingFor(check.ms);
      if (padding > 0) await this.clock.sleep(padding);
    }
    return { ok: check.ok, needsRehash: check.ok && this.needsRehash(hash) };
  }

  /**
   * For logins with an unknown identifier: a full check against a dummy hash with the current parameters, held
   * like any failure, so that response time does not tell whether an account exists.
   */
  async verifyDummy(password: string): Promise<VerifyResult> {
    await this.verify(await this.dummy(), password);
    return { ok: false, needsRehash: false };
  }

  /**
   * Makes the dummy hash and times one check against it, so that the failure floor knows what the current
   * parameters cost before the first login comes (called once at start).
   */
  async prime(): Promise<void> {
    const hash = await this.dummy();
    await this.timedCheck(argon2Format.costClass(hash), () => argon2Format.verify(hash, 'tessera-priming-check'));
  }

  /** The time a failed check is held to, in milliseconds (failed-check-floor.ts). */
  get failureFloorMs(): number {
    return this.floor.floorMs;
  }

  private dummy(): Promise<string> {
    this.dummyHash ??= this.hash('tessera-dummy-password-for-constant-time');
    return this.dummyHash;
  }

  /** Runs one check in a hashing slot and records how long it took (the wait for the slot excluded). */
  private timedCheck(costClass: string, check: () => Promise<boolean>): Promise<{ ok: boolean; ms: number }> {
    return this.inSlot(async () => {
      const started = this.clock.now();
      const ok = await check();
      const ms = this.clock.now() - started;
      this.floor.record(costClass, ms);
      return { ok, ms };
    });
  }

  /** Runs `task` in a hashing slot; a full queue is a 503 that says when to come back. */
  private async inSlot<T>(task: () => Promise<T>): Promise<T> {
    try {
      return await this.limit.run(task);
    } catch (error) {
      if (!(error instanceof QueueFullError)) throw error;
      // Long enough for the queue ahead to drain once: each of `concurrency` slots works through its share.
      const seconds = Math.max(1, Math.ceil((((this.maxQueued + 1) / this.concurrency) * this.floor.floorMs) / 1000));
      throw serviceUnavailable(`Too many password checks are waiting. Retry in ${seconds} seconds.`, { headers: { 'Retry-After': String(seconds) } });
    }
  }

  needsRehash(hash: string): boolean {
    if (!hash.startsWith('$argon2id$')) return true;
    return argon2.needsRehash(hash, {
      memoryCost: this.options.memoryCost,
      timeCost: this.options.timeCost,
      parallelism: this.options.parallelism,
    });
  }

  /** Hashes waiting for a slot. */
  get queued(): number {
    return this.limit.pending;
  }

}

const argon2Format: HashFormat = {
  name: 'argon2',
  matches: (hash) => hash.startsWith('$argon2id$') || hash.startsWith('$argon2i$') || hash.startsWith('$argon2d$'),
  // Kratos imports argon2id and argon2i only; argon2d is verifiable (Tessera never writes it) but not importable.
  inspect: (hash) => (hash.startsWith('$argon2d$') ? 'unknown' : inspectArgon2(hash)),
  costClass: phcCostClass,
  async verify(hash, password) {
    try {
      return await argon2.verify(hash, password);
    } catch {
      return false;
    }
  },
};

/**
 * The argon2 addon writes `m=…,p=…,t=…`; Kratos (and the PHC reference) write `m=…,t=…,p=…`, and Kratos parses
 * exactly that order. Reordering keeps Tessera's hashes importable back into Kratos; verification reads either.
 */
function inKratosParameterOrder(hash: string): string {
  return hash.replace(/\$m=(\d+),p=(\d+),t=(\d+)\$/, '$m=$1,t=$3,p=$2$');
}

function randomSalt(length: number): Buffer {
  return Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(length)));
}
