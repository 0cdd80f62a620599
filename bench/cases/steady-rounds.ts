/**
 * Cases A, B and D (and their variants: another log level, another store): steady load on one URL each, run in
 * interleaved rounds (A B D, A B D, ...), each reporting its median round. On a shared 2-core VM the machine's
 * speed drifts by ±30% over a minute; interleaving makes every ratio compare figures taken in the same minutes.
 */
import { median, type BenchContext, type CaseResult } from '../harness.js';
import type { LoadResult } from '../load-tool.js';

export interface SteadyCase {
  key: string;
  label: string;
  url: string;
  headers?: Record<string, string>;
}

export interface SteadyOutcome {
  results: Record<string, CaseResult>;
  rounds: Record<string, LoadResult[]>;
}

export async function runSteadyRounds(context: BenchContext, cases: SteadyCase[]): Promise<SteadyOutcome> {
  const { tool, options } = context;
  const rounds: Record<string, LoadResult[]> = Object.fromEntries(cases.map((c) => [c.key, []]));
  for (let round = 1; round <= options.rounds; round++) {
    for (const spec of cases) {
      console.log(`${spec.label} (round ${round}/${options.rounds}) ...`);
      const load = { url: spec.url, headers: spec.headers, connections: options.connections, threads: options.threads };
      if (round === 1 && options.warmupS > 0) await tool.run({ ...load, durationS: options.warmupS });
      rounds[spec.key]?.push(await tool.run({ ...load, durationS: options.durationS }));
    }
  }
  const results: Record<string, CaseResult> = {};
  for (const spec of cases) {
    const all = rounds[spec.key] ?? [];
    const spread = all.map((r) => r.rps.toFixed(0)).join(', ');
    results[spec.key] = { ...median(all, (r) => r.rps), note: all.length > 1 ? `median of ${all.length} rounds: ${spread} req/s` : undefined };
  }
  return { results, rounds };
}
