/**
 * A line of reference, not a case: how many Ed25519 signatures this machine's cores make per second with nothing
 * else to do (one thread per core, each signing a token-sized input in a tight loop). A tokenizing whoami cannot
 * go faster than this, whatever else it does; the ceiling (case D) shows what is left of it once HTTP is added.
 */
import { cpus } from 'node:os';
import { Worker } from 'node:worker_threads';

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { generateKeyPairSync, sign } = require('node:crypto');
const { privateKey } = generateKeyPairSync('ed25519');
const input = Buffer.alloc(workerData.bytes, 97);
for (let i = 0; i < 200; i++) sign(null, input, privateKey);
const until = performance.now() + workerData.ms;
let count = 0;
while (performance.now() < until) { sign(null, input, privateKey); count++; }
parentPort.postMessage(count);
`;

export interface SigningLimit {
  cores: number;
  signsPerSecond: number;
  perCore: number;
}

/** Signs on every core for `ms` milliseconds; `bytes` is the size of a token's signing input. */
export async function measureSigningLimit(ms = 2000, bytes = 450): Promise<SigningLimit> {
  const cores = cpus().length;
  const counts = await Promise.all(
    Array.from(
      { length: cores },
      () =>
        new Promise<number>((resolve, reject) => {
          const worker = new Worker(WORKER, { eval: true, workerData: { ms, bytes } });
          worker.once('message', (count: number) => {
            resolve(count);
            void worker.terminate();
          });
          worker.once('error', reject);
        }),
    ),
  );
  const signsPerSecond = counts.reduce((a, b) => a + b, 0) / (ms / 1000);
  return { cores, signsPerSecond, perCore: signsPerSecond / cores };
}
