import argon2 from 'argon2';
import type { Config } from '../config/types.js';
import { ConcurrencyLimit } from './concurrency-limit.js';
import { inspectArgon2 } from './hash-formats/argon2-inspection.js';
import type { HashInspection } from './hash-formats/hash-inspection.js';

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
      memoryCost: Math.floor(config.memory / 1024),
      timeCost: config.iterations,
      parallelism: config.parallelism,
      hashLength: config.key_length,
      saltLength: config.salt_length,
    };
    this.formats = [argon2Format, ...extraFormats];
  }

  hash(password: string): Promise<string> {
    const { saltLength, ...options } = this.options;
    return this.limit.run(async () => inKratosParameterOrder(await argon2.hash(password, { ...options, salt: randomSalt(saltLength) })));
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
  // Kratos imports argon2id and argon2i only; argon2d is verifiable (Tessera never writes it) but not importable.
  inspect: (hash) => (hash.startsWith('$argon2d$') ? 'unknown' : inspectArgon2(hash)),
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
