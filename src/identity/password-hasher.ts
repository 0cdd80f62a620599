import argon2 from 'argon2';
import type { Config } from '../config/types.js';
import { ConcurrencyLimit } from './concurrency-limit.js';

export interface VerifyResult {
  ok: boolean;
  /** True when the stored hash is not argon2id with the configured parameters and should be replaced. */
  needsRehash: boolean;
}

/** Verifies a password against a stored hash of one particular format (argon2, bcrypt, pbkdf2, ...). */
export interface HashFormat {
  name: string;
  matches(hash: string): boolean;
  verify(hash: string, password: string): Promise<boolean>;
}

/**
 * argon2id with the parameters from `hashers.argon2`. Hashing and verification run on libuv's threadpool (the
 * argon2 addon is asynchronous), never on the event loop, and at most `hashing_concurrency` at a time.
 */
export class PasswordHasher {
  private readonly limit: ConcurrencyLimit;
  private readonly options: { type: typeof argon2.argon2id; memoryCost: number; timeCost: number; parallelism: number; hashLength: number; saltLength: number };
  private readonly formats: HashFormat[];
  private dummyHash: Promise<string> | null = null;

  constructor(config: Config['hashers']['argon2'], concurrency: number, extraFormats: HashFormat[] = []) {
    this.limit = new ConcurrencyLimit(concurrency);
    this.options = {
      type: argon2.argon2id,
      memoryCost: config.memoryKiB,
      timeCost: config.iterations,
      parallelism: config.parallelism,
      hashLength: config.keyLength,
      saltLength: config.saltLength,
    };
    this.formats = [argon2Format, ...extraFormats];
  }

  hash(password: string): Promise<string> {
    const { saltLength, ...options } = this.options;
    return this.limit.run(() => argon2.hash(password, { ...options, salt: randomSalt(saltLength) }));
  }

  /** True when `hash` is in a format this hasher can verify. */
  isSupported(hash: string): boolean {
    return this.formats.some((format) => format.matches(hash));
  }

  async verify(hash: string, password: string): Promise<VerifyResult> {
    const format = this.formats.find((f) => f.matches(hash));
    if (!format) return { ok: false, needsRehash: false };
    const ok = await this.limit.run(() => format.verify(hash, password));
    return { ok, needsRehash: ok && this.needsRehash(hash) };
  }

  /**
   * Spends the same time as verifying a real password, for logins with an unknown identifier, so that response
   * time does not tell whether an account exists.
   */
  async verifyDummy(password: string): Promise<void> {
    this.dummyHash ??= this.hash('tessera-dummy-password-for-constant-time');
    await this.verify(await this.dummyHash, password);
  }

  needsRehash(hash: string): boolean {
    if (!hash.startsWith('$argon2id$')) return true;
    return argon2.needsRehash(hash, {
      memoryCost: this.options.memoryCost,
      timeCost: this.options.timeCost,
      parallelism: this.options.parallelism,
    });
  }

  get queued(): number {
    return this.limit.pending;
  }
}

const argon2Format: HashFormat = {
  name: 'argon2',
  matches: (hash) => hash.startsWith('$argon2id$') || hash.startsWith('$argon2i$') || hash.startsWith('$argon2d$'),
  async verify(hash, password) {
    try {
      return await argon2.verify(hash, password);
    } catch {
      return false;
    }
  },
};

function randomSalt(length: number): Buffer {
  return Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(length)));
}
