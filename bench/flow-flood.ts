/**
 * Case F: whoami while an unauthenticated client creates self-service flows as fast as it can, from other
 * addresses (docs/security.md, "Flow creation"). Every flow is a row written, on SQLite on the event loop that
 * also answers whoami.
 *
 *   F0  whoami alone, on this case's server (the baseline for F1 and F2)
 *   F1  whoami while one address floods the init endpoints: after its 300 flows it is answered 429 from memory
 *   F2  whoami while every flood request comes from a fresh address: each one stores a flow and a counter,
 *       the most the per-address limit lets through
 *
 * The flood is a second wrk (one thread, 16 connections) with bench/wrk/flow-flood.lua, sending X-Forwarded-For,
 * which the server believes from loopback. Part of `npm run bench`; alone: `npm run bench:flood` (same options).
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { join } from 'node:path';
import { BenchChild } from './bench-child.js';
import type { LimitsServerMessage, LimitsServerReply } from './limits-server.js';
import type { LoadResult, LoadTool } from './load-tool.js';

export interface FlowFloodOptions {
  tool: LoadTool;
  dsn: string | null;
  workDir: string;
  durationS: number;
  connections: number;
  threads: number;
}

export type FlowFloodResults = Record<'F0' | 'F1' | 'F2', LoadResult & { note: string; flood?: FloodFigures }>;

export interface FloodFigures {
  requestsPerSecond: number;
  stored: number;
  limited: number;
  other: number;
  errors: number;
}

const FLOOD_CONNECTIONS = 16;

/** Runs F0-F2; null (after saying why) when wrk, which sends the flood, is not installed. */
export async function runFlowFlood(options: FlowFloodOptions): Promise<FlowFloodResults | null> {
  if (spawnSync('wrk', ['--version']).error) {
    console.log('F flow flood: skipped, the flood is sent with wrk, which is not installed');
    return null;
  }
  const server = new BenchChild<LimitsServerMessage, LimitsServerReply>('bench/limits-server.ts');
  try {
    const ready = await server.request({ type: 'start', dsn: options.dsn, workDir: options.workDir, rateLimits: true, accounts: [] }, 'ready');
    const base = `http://127.0.0.1:${ready.port}`;
    const whoami = { url: `${base}/sessions/whoami`, headers: { 'X-Session-Token': ready.sessionToken }, durationS: options.durationS, connections: options.connections, threads: options.threads };

    console.log(`F0 whoami alone (limits on, ${ready.dialect}) ...`);
    const alone = await options.tool.run(whoami);
    const results = { F0: { ...alone, note: 'no flood' } } as FlowFloodResults;
    for (const [name, mode] of [['F1', 'one'], ['F2', 'fresh']] as const) {
      console.log(`${name} whoami while flows are created at full speed (${mode === 'one' ? 'one address' : 'a fresh address per request'}) ...`);
      const flood = startFlood(base, mode);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const measured = await options.tool.run(whoami);
      const figures = await flood.stop();
      results[name] = {
        ...measured,
        flood: figures,
        note: `flood ${figures.requestsPerSecond.toFixed(0)} req/s: ${figures.stored} flows stored, ${figures.limited} answered 429${figures.other + figures.errors > 0 ? `, ${figures.other} other, ${figures.errors} errors` : ''}`,
      };
    }
    await server.request({ type: 'stop' }, 'stopped');
    return results;
  } finally {
    server.kill();
  }
}

export function printFlowFlood(results: FlowFloodResults): void {
  for (const [name, label] of [
    ['F0', 'F0 whoami, no flood'],
    ['F1', 'F1 whoami, flow flood from one address'],
    ['F2', 'F2 whoami, flow flood, fresh addresses'],
  ] as const) {
    const r = results[name];
    console.log(`${label.padEnd(40)} ${r.rps.toFixed(0).padStart(9)} ${r.p50Ms.toFixed(2).padStart(10)} ${r.p99Ms.toFixed(2).padStart(9)} ${String(r.errors).padStart(8)}   ${r.note}`);
  }
}

function startFlood(base: string, mode: 'one' | 'fresh'): { stop(): Promise<FloodFigures> } {
  // Addresses of this run only: on a shared PostgreSQL database an earlier run's counters are still live.
  const prefix = `10.${randomInt(256)}`;
  const child = spawn('wrk', ['-t1', `-c${FLOOD_CONNECTIONS}`, '-d600s', '--timeout', '10s', '-s', join(process.cwd(), 'bench/wrk/flow-flood.lua'), base, '--', mode, prefix], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return {
    async stop() {
      // wrk prints its summary (and runs done()) on SIGINT as at the end of -d.
      child.kill('SIGINT');
      await closed;
      const line = output.split('\n').find((l) => l.startsWith('FLOOD_JSON '));
      if (!line) throw new Error(`the flood's wrk gave no result:\n${output}`);
      const r = JSON.parse(line.slice('FLOOD_JSON '.length)) as { requests: number; duration_us: number; stored: number; limited: number; other: number; errors: number };
      return { requestsPerSecond: r.requests / (r.duration_us / 1e6), stored: r.stored, limited: r.limited, other: r.other, errors: r.errors };
    },
  };
}
