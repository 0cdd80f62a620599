/**
 * Case T: how long a failed login takes, for an unknown identifier and for accounts holding each kind of hash
 * Tessera verifies (docs/security.md, "Timing"). A difference between them would tell an attacker which
 * identifiers have accounts. Measured here, as a benchmark, and not in a test: on a shared 2-core machine a timing
 * assertion flakes.
 *
 * One Tessera (bench/limits-server.ts) with the shipped argon2 parameters and no rate limits holds one account per
 * kind of hash: argon2id as Tessera writes it, argon2id with older (cheaper) parameters, argon2i with costlier
 * ones, bcrypt at costs 10 and 12, PBKDF2-SHA256 and scrypt. Each round submits one wrong password to each of them
 * and to an unknown identifier, one at a time, in a shuffled order; only the submit is timed (the flow is created
 * before). The first round is reported on its own: it is when the server first meets each kind of hash.
 * Part of `npm run bench`; alone: `npm run bench:security -- --case timing`.
 */
import { pbkdf2Sync, randomBytes, randomUUID } from 'node:crypto';
import argon2 from 'argon2';
import bcrypt from 'bcrypt';
import { BenchChild } from './bench-child.js';
import type { LimitsServerMessage, LimitsServerReply } from './limits-server.js';

export interface LoginTimingOptions {
  dsn: string | null;
  workDir: string;
  rounds: number;
}

export interface LoginTimingRow {
  name: string;
  /** The failure in round 0, when the server met this kind of hash for the first time. */
  firstMs: number;
  p10Ms: number;
  medianMs: number;
  p90Ms: number;
  /** Median minus the unknown identifier's median. */
  deltaMs: number;
}

const PASSWORD = 'the right passphrase 1';
const WRONG = 'a wrong passphrase 1';
const UNKNOWN = 'unknown identifier';

export async function runLoginTiming(options: LoginTimingOptions): Promise<LoginTimingRow[]> {
  const accounts = await accountsByHash();
  const server = new BenchChild<LimitsServerMessage, LimitsServerReply>('bench/limits-server.ts');
  try {
    const ready = await server.request(
      { type: 'start', dsn: options.dsn, workDir: options.workDir, rateLimits: false, accounts: accounts.map(({ email, hashedPassword, password }) => ({ email, hashedPassword, password })) },
      'ready',
    );
    const base = `http://127.0.0.1:${ready.port}`;
    const { memory, iterations, parallelism } = ready.argon2;
    console.log(`T failed logins by kind of stored hash (current argon2id m=${memory / 1024} KiB t=${iterations} p=${parallelism}), ${options.rounds} rounds after a first one ...`);
    const targets = [...accounts.map((a) => ({ name: a.name, email: a.email })), { name: UNKNOWN, email: `nobody-${randomUUID()}@example.org` }];
    const samples = new Map<string, number[]>(targets.map((t) => [t.name, []]));
    const first = new Map<string, number>();
    for (let round = 0; round <= options.rounds; round++) {
      for (const target of shuffled(targets)) {
        const ms = await failedLogin(base, target.email);
        if (round === 0) first.set(target.name, ms);
        else samples.get(target.name)?.push(ms);
      }
    }
    await server.request({ type: 'stop' }, 'stopped');
    const unknownMedian = quantile(samples.get(UNKNOWN) ?? [], 0.5);
    return targets.map((t) => {
      const ms = samples.get(t.name) ?? [];
      return { name: t.name, firstMs: first.get(t.name) ?? 0, p10Ms: quantile(ms, 0.1), medianMs: quantile(ms, 0.5), p90Ms: quantile(ms, 0.9), deltaMs: quantile(ms, 0.5) - unknownMedian };
    });
  } finally {
    server.kill();
  }
}

export function printLoginTiming(rows: LoginTimingRow[]): void {
  console.log('failed login against                 first ms    p10 ms  median ms    p90 ms   median - unknown');
  for (const r of rows) {
    const delta = `${r.deltaMs >= 0 ? '+' : ''}${r.deltaMs.toFixed(1)} ms`;
    console.log(`${r.name.padEnd(34)} ${r.firstMs.toFixed(1).padStart(9)} ${r.p10Ms.toFixed(1).padStart(9)} ${r.medianMs.toFixed(1).padStart(10)} ${r.p90Ms.toFixed(1).padStart(9)}   ${delta.padStart(12)}`);
  }
}

/** One account per kind of hash, all for PASSWORD; the hashes are made here, as an import would bring them. */
async function accountsByHash(): Promise<Array<{ name: string; email: string; hashedPassword?: string; password?: string }>> {
  const salt = randomBytes(16);
  // Identifiers of this run only: on a PostgreSQL database given with --dsn an earlier run's accounts remain.
  const run = randomUUID().slice(0, 8);
  const email = (name: string): string => `${name}-${run}@example.org`;
  const raw = (bytes: Buffer): string => bytes.toString('base64').replace(/=+$/, '');
  const argon = (type: typeof argon2.argon2id | typeof argon2.argon2i, memoryCost: number, timeCost: number, parallelism: number): Promise<string> => argon2.hash(PASSWORD, { type, memoryCost, timeCost, parallelism });
  const pbkdf2 = (iterations: number): string => `$pbkdf2-sha256$i=${iterations},l=32$${raw(salt)}$${raw(pbkdf2Sync(PASSWORD, salt, iterations, 32, 'sha256'))}`;
  return [
    { name: 'argon2id, current parameters', email: email('current'), password: PASSWORD },
    { name: 'argon2id m=19456 t=2 p=1 (older)', email: email('argon2-older'), hashedPassword: await argon(argon2.argon2id, 19456, 2, 1) },
    { name: 'argon2id m=4096 t=3 p=1 (older)', email: email('argon2-oldest'), hashedPassword: await argon(argon2.argon2id, 4096, 3, 1) },
    { name: 'argon2i m=65536 t=3 p=4 (costlier)', email: email('argon2i'), hashedPassword: await argon(argon2.argon2i, 65536, 3, 4) },
    { name: 'bcrypt cost 10', email: email('bcrypt-10'), hashedPassword: await bcrypt.hash(PASSWORD, 10) },
    { name: 'bcrypt cost 12', email: email('bcrypt-12'), hashedPassword: await bcrypt.hash(PASSWORD, 12) },
    { name: 'pbkdf2-sha256 i=310000', email: email('pbkdf2'), hashedPassword: pbkdf2(310_000) },
    // Kratos's scrypt test vector (identity/handler_test.go): N=16384, r=8, p=1; its password does not matter here.
    { name: 'scrypt N=16384 r=8 p=1', email: email('scrypt'), hashedPassword: '$scrypt$ln=16384,r=8,p=1$ZtQva9xCHzlSELH/mA7Kj5KjH2tCrkbwYzdxknkL0QQ=$pnTcXKaWVT+FwFDdk3vO1K0J7ZgOxdSU1tCJNYmn8zI=' },
  ];
}

async function failedLogin(base: string, identifier: string): Promise<number> {
  const flow = (await (await fetch(`${base}/self-service/login/api`)).json()) as { id: string };
  const started = performance.now();
  const response = await fetch(`${base}/self-service/login?flow=${flow.id}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ method: 'password', identifier, password: WRONG }),
  });
  await response.arrayBuffer();
  const ms = performance.now() - started;
  if (response.status !== 400) throw new Error(`a wrong password for ${identifier} answered ${response.status}`);
  return ms;
}

function shuffled<T>(items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}
