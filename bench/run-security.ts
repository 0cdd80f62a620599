/**
 * `npm run bench:security`: the benchmark's flood and timing cases on their own (`npm run bench` runs them too,
 * after A-E). `--case flood` or `--case timing` runs one of them; `--dsn`, `--duration`, `--connections`,
 * `--threads` and `--tool` as for `npm run bench`, `--timing-rounds <n>` (15).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { printFlowFlood, runFlowFlood } from './flow-flood.js';
import { findLoadTool } from './load-tool.js';
import { printLoginTiming, runLoginTiming } from './login-timing.js';

const { values: options } = parseArgs({
  options: {
    case: { type: 'string', default: 'all' },
    dsn: { type: 'string' },
    duration: { type: 'string', default: '5' },
    connections: { type: 'string', default: '50' },
    threads: { type: 'string', default: '2' },
    tool: { type: 'string' },
    'timing-rounds': { type: 'string', default: '15' },
  },
});
if (!['all', 'flood', 'timing'].includes(options.case)) {
  console.error('--case must be flood, timing or all');
  process.exit(1);
}
const workDir = mkdtempSync(join(tmpdir(), 'tessera-bench-'));
process.on('exit', () => rmSync(workDir, { recursive: true, force: true }));
const dsn = options.dsn ?? null;

if (options.case !== 'timing') {
  const found = await findLoadTool(options.tool ?? null);
  if ('hint' in found) {
    console.error(found.hint);
    process.exit(1);
  }
  const flood = await runFlowFlood({ tool: found.tool, dsn, workDir, durationS: Number(options.duration), connections: Number(options.connections), threads: Number(options.threads) });
  if (flood) {
    console.log('\ncase                                        req/s      p50 ms    p99 ms   errors');
    printFlowFlood(flood);
    console.log('');
  }
}
if (options.case !== 'flood') {
  const timing = await runLoginTiming({ dsn, workDir, rounds: Number(options['timing-rounds']) });
  console.log('');
  printLoginTiming(timing);
}
process.exit(0);
