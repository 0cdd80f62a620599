import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One load run's figures (latencies in milliseconds). */
export interface LoadResult {
  requests: number;
  durationS: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** Connection errors, timeouts and non-2xx/3xx answers: any of them makes the case invalid. */
  errors: number;
}

export interface LoadSpec {
  url: string;
  headers?: Record<string, string>;
  durationS: number;
  connections: number;
  threads: number;
}

export interface ColdSpec {
  /** Base URL of the public API; the path is whoami?tokenize_as=postgrest. */
  baseUrl: string;
  /** One token per line, each to be used exactly once. */
  tokensFile: string;
  connections: number;
  threads: number;
  /** The harness resolves this once the server has answered every token (wrk would otherwise sleep out its -d). */
  finished: Promise<void>;
}

export interface LoadTool {
  name: string;
  version: string;
  run(spec: LoadSpec): Promise<LoadResult>;
  runCold(spec: ColdSpec): Promise<LoadResult>;
}

const INSTALL_HINT = [
  'No load tool found. The benchmark uses wrk, or autocannon when wrk is missing. Install one of them:',
  '  Debian/Ubuntu:  sudo apt-get install wrk',
  '  macOS:          brew install wrk',
  '  or, with npm:   npm install --no-save autocannon',
].join('\n');

/** wrk from PATH, else autocannon if it is installed; null (with `hint` to print) when neither is. */
export async function findLoadTool(preferred: string | null): Promise<{ tool: LoadTool } | { hint: string }> {
  if (preferred !== 'autocannon') {
    const wrk = spawnSync('wrk', ['--version'], { encoding: 'utf8' });
    if (!wrk.error) return { tool: wrkTool((wrk.stdout + wrk.stderr).split('\n')[0]?.trim() ?? 'wrk') };
    if (preferred === 'wrk') return { hint: INSTALL_HINT };
  }
  const autocannon = await loadAutocannon();
  return autocannon ? { tool: autocannonTool(autocannon) } : { hint: INSTALL_HINT };
}

// --- wrk ----------------------------------------------------------------------------------------------

const WRK_SCRIPTS = join(process.cwd(), 'bench/wrk');

function wrkTool(version: string): LoadTool {
  return {
    name: 'wrk',
    version,
    run(spec) {
      const headers = Object.entries(spec.headers ?? {}).flatMap(([name, value]) => ['-H', `${name}: ${value}`]);
      return runWrk([`-t${spec.threads}`, `-c${spec.connections}`, `-d${spec.durationS}s`, '--timeout', '10s', '-s', join(WRK_SCRIPTS, 'summary.lua'), ...headers, spec.url]);
    },
    runCold(spec) {
      const args = [`-t${spec.threads}`, `-c${spec.connections}`, '-d600s', '--timeout', '10s', '-s', join(WRK_SCRIPTS, 'cold-tokens.lua'), spec.baseUrl, '--', spec.tokensFile, String(spec.threads)];
      return runWrk(args, spec.finished);
    },
  };
}

function runWrk(args: string[], stopWhen?: Promise<void>): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    // wrk prints its results on SIGINT as it does at the end of -d.
    void stopWhen?.then(() => child.kill('SIGINT'));
    child.once('error', reject);
    child.once('close', () => {
      const line = output.split('\n').find((l) => l.startsWith('BENCH_JSON '));
      if (!line) return reject(new Error(`wrk gave no result:\n${output}`));
      const r = JSON.parse(line.slice('BENCH_JSON '.length)) as { requests: number; duration_us: number; p50_us: number; p99_us: number; errors: Record<string, number> };
      const durationS = r.duration_us / 1e6;
      resolve({
        requests: r.requests,
        durationS,
        rps: r.requests / durationS,
        p50Ms: r.p50_us / 1000,
        p99Ms: r.p99_us / 1000,
        errors: Object.values(r.errors).reduce((a, b) => a + b, 0),
      });
    });
  });
}

// --- autocannon (optional: only when installed) ------------------------------------------------------------

interface AutocannonResult {
  requests: { total: number };
  duration: number;
  latency: { p50: number; p99: number };
  errors: number;
  timeouts: number;
  non2xx: number;
}
interface AutocannonRequest {
  headers?: Record<string, string>;
}
interface AutocannonOptions {
  url: string;
  connections: number;
  duration?: number;
  amount?: number;
  headers?: Record<string, string>;
  requests?: Array<{ setupRequest: (request: AutocannonRequest) => AutocannonRequest }>;
}
type Autocannon = (options: AutocannonOptions) => Promise<AutocannonResult>;

async function loadAutocannon(): Promise<Autocannon | null> {
  try {
    const name = 'autocannon';
    const module = (await import(name)) as { default: Autocannon };
    return module.default;
  } catch {
    return null;
  }
}

function autocannonTool(autocannon: Autocannon): LoadTool {
  const toResult = (r: AutocannonResult): LoadResult => ({
    requests: r.requests.total,
    durationS: r.duration,
    rps: r.requests.total / r.duration,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    errors: r.errors + r.timeouts + r.non2xx,
  });
  return {
    name: 'autocannon',
    version: 'npm',
    async run(spec) {
      return toResult(await autocannon({ url: spec.url, connections: spec.connections, duration: spec.durationS, headers: spec.headers }));
    },
    async runCold(spec) {
      const tokens = readFileSync(spec.tokensFile, 'utf8').split('\n').filter(Boolean);
      let next = 0;
      return toResult(
        await autocannon({
          url: `${spec.baseUrl}/sessions/whoami?tokenize_as=postgrest`,
          connections: spec.connections,
          amount: tokens.length,
          requests: [{ setupRequest: (request) => ({ ...request, headers: { ...request.headers, 'x-session-token': tokens[next++ % tokens.length] as string } }) }],
        }),
      );
    },
  };
}
