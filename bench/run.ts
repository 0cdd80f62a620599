/**
 * `npm run bench`: one command, one run, on loopback (docs/performance.md explains the cases and the figures).
 *
 *   A  whoami                                           (one session)
 *   B  whoami?tokenize_as=postgrest, warm               (one session: the memo cache answers)
 *   C  whoami?tokenize_as=postgrest, cold               (5,000 fresh sessions, each used once)
 *   D  the ceiling: a bare Hono app signing an equivalent EdDSA JWT with node:crypto
 *   E  whoami p99 while logins run steadily at the argon2 rate
 *
 * A, B and D run in interleaved rounds (A B D, A B D, ...) and each reports its median round: on a shared
 * 2-core VM the machine's speed drifts by ±30% over a minute, and the ratios must compare like with like.
 *
 * Options: --dsn <dsn> (default: a fresh SQLite file), --duration <s> (5, per round), --rounds <n> (3),
 * --warmup <s> (2), --connections <n> (50), --threads <n> (2), --sessions <n> (5000), --tool wrk|autocannon,
 * --out <file> (bench/results.json).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loaderFlags } from '../src/runtime/loader-flags.js';
import type { CeilingMessage, HarnessMessage, ServerMessage } from './bench-protocol.js';
import { findLoadTool, type LoadResult, type LoadTool } from './load-tool.js';

const { values: options } = parseArgs({
  options: {
    dsn: { type: 'string' },
    duration: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '50' },
    threads: { type: 'string', default: '2' },
    sessions: { type: 'string', default: '5000' },
    tool: { type: 'string' },
    out: { type: 'string', default: 'bench/results.json' },
  },
});
const durationS = Number(options.duration);
const rounds = Math.max(1, Number(options.rounds));
const warmupS = Number(options.warmup);
const connections = Number(options.connections);
const threads = Number(options.threads);
const coldSessions = Number(options.sessions);

const TARGETS = { bOverD: 0.7, bP99Ms: 15, aOverD: 1.0, cRps: 1500, eP99OverIdle: 2, rssAfterCBytes: 300 * 1024 * 1024 };

const found = await findLoadTool(options.tool ?? null);
if ('hint' in found) {
  console.error(found.hint);
  process.exit(1);
}
const tool: LoadTool = found.tool;

const workDir = mkdtempSync(join(tmpdir(), 'tessera-bench-'));
const children: ChildProcess[] = [];
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(workDir, { recursive: true, force: true });
});

console.log(`Tessera benchmark: ${tool.name} (${tool.version}), ${connections} connections, ${threads} threads, ${rounds} interleaved rounds of ${durationS} s for A, B and D (+${warmupS} s warm-up)`);
console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log('setting up: Tessera and its sessions, the ceiling app ...');

const tessera = spawnChild('bench/bench-server.ts');
const ready = await request(tessera, { type: 'start', dsn: options.dsn ?? null, workDir, coldSessions }, 'ready');
const base = `http://127.0.0.1:${ready.port}`;
const ceiling = spawnChild('bench/ceiling-server.ts');
const ceilingPort = (await nextMessage<CeilingMessage>(ceiling, 'ready')).port;
console.log(`Tessera on ${base} (${ready.dialect}, ${ready.mapperWorkers} mapper workers); ceiling on port ${ceilingPort}`);

const session = { 'X-Session-Token': ready.warmToken };
const results: Record<string, LoadResult & { note?: string }> = {};

const steadyCases = {
  A: { label: 'A whoami', url: `${base}/sessions/whoami`, headers: session },
  B: { label: 'B whoami?tokenize_as=postgrest, warm', url: `${base}/sessions/whoami?tokenize_as=postgrest`, headers: session },
  D: { label: 'D ceiling: bare Hono + node:crypto EdDSA', url: `http://127.0.0.1:${ceilingPort}/token` },
} as const;
const roundsOf: Record<keyof typeof steadyCases, LoadResult[]> = { A: [], B: [], D: [] };
for (let round = 1; round <= rounds; round++) {
  for (const [name, spec] of Object.entries(steadyCases) as Array<[keyof typeof steadyCases, (typeof steadyCases)[keyof typeof steadyCases]]>) {
    console.log(`${spec.label} (round ${round}/${rounds}) ...`);
    if (round === 1 && warmupS > 0) await tool.run({ ...spec, durationS: warmupS, connections, threads });
    roundsOf[name].push(await tool.run({ ...spec, durationS, connections, threads }));
  }
}
for (const name of ['A', 'B', 'D'] as const) {
  const sorted = [...roundsOf[name]].sort((x, y) => x.rps - y.rps);
  results[name] = { ...(sorted[Math.floor(sorted.length / 2)] as LoadResult), note: rounds > 1 ? `median of ${rounds} rounds: ${roundsOf[name].map((r) => r.rps.toFixed(0)).join(', ')} req/s` : undefined };
}

console.log(`C whoami?tokenize_as=postgrest, cold: ${coldSessions} fresh sessions, each used once ...`);
tessera.send({ type: 'watch', count: coldSessions } satisfies HarnessMessage);
const reached = Promise.race([
  nextMessage<Extract<ServerMessage, { type: 'reached' }>>(tessera, 'reached'),
  new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`case C: the server did not answer ${coldSessions} tokenize requests within 5 minutes`)), 300_000).unref()),
]);
const cold = await tool.runCold({ baseUrl: base, tokensFile: ready.coldTokensFile, connections, threads, finished: reached.then(() => undefined) });
const serverSide = await reached;
// The rate is taken where the work happens (first to last answer), which does not include the load tool's
// start-up or the moment it takes to notice the end.
results.C = { ...cold, rps: coldSessions / (serverSide.elapsedMs / 1000), note: `${cold.requests} answered in ${(serverSide.elapsedMs / 1000).toFixed(2)} s` };
const memory = await request(tessera, { type: 'memory' }, 'memory');
const workersRss = memory.children.reduce((sum, child) => sum + child.rss, 0);
const workersPss = memory.children.reduce((sum, child) => sum + child.pss, 0);

console.log(`E whoami while logins run at the argon2 rate (${ready.hashingConcurrency} concurrent, argon2id m=${ready.argon2.memory / 1024} KiB t=${ready.argon2.iterations} p=${ready.argon2.parallelism}) ...`);
// For reference: how fast logins go with nothing else running (closed loop, as many as the hasher takes at once).
const alone = startLogins(base, ready.login, ready.hashingConcurrency);
await new Promise((resolve) => setTimeout(resolve, 3000));
await alone.stop();
const loginRateAlone = alone.count() / 3;
const logins = startLogins(base, ready.login, ready.hashingConcurrency);
await new Promise((resolve) => setTimeout(resolve, warmupS * 1000));
const loginsBefore = logins.count();
results.E = await tool.run({ url: `${base}/sessions/whoami`, headers: session, durationS: durationS * rounds, connections, threads });
const loginRate = (logins.count() - loginsBefore) / results.E.durationS;
await logins.stop();
results.E.note = `${loginRate.toFixed(1)} logins/s alongside (${loginRateAlone.toFixed(1)}/s alone), ${logins.failures() + alone.failures()} failed`;

await request(tessera, { type: 'stop' }, 'stopped');

// --- report ---------------------------------------------------------------------------------------------
const A = caseResult('A');
const B = caseResult('B');
const C = caseResult('C');
const D = caseResult('D');
const E = caseResult('E');
const ratios = { 'B/D': B.rps / D.rps, 'A/D': A.rps / D.rps, 'C/D': C.rps / D.rps };
const checks = [
  { what: 'B/D >= 0.7', ok: ratios['B/D'] >= TARGETS.bOverD, value: ratios['B/D'].toFixed(2) },
  { what: 'B p99 <= 15 ms', ok: B.p99Ms <= TARGETS.bP99Ms, value: `${B.p99Ms.toFixed(2)} ms` },
  { what: 'A/D >= 1.0', ok: ratios['A/D'] >= TARGETS.aOverD, value: ratios['A/D'].toFixed(2) },
  { what: 'C >= 1,500 tokens/s', ok: C.rps >= TARGETS.cRps, value: `${C.rps.toFixed(0)} /s` },
  { what: 'E p99 <= 2x idle whoami p99 (A)', ok: E.p99Ms <= TARGETS.eP99OverIdle * A.p99Ms, value: `${E.p99Ms.toFixed(2)} ms vs ${A.p99Ms.toFixed(2)} ms (${(E.p99Ms / A.p99Ms).toFixed(2)}x)` },
  { what: 'RSS after C <= 300 MB (server)', ok: memory.serverRss <= TARGETS.rssAfterCBytes, value: `${mb(memory.serverRss)} MB (mapper workers: ${memory.children.length}, RSS ${mb(workersRss)} MB, PSS ${mb(workersPss)} MB)` },
];

console.log('');
console.log('case                                        req/s      p50 ms    p99 ms   errors');
for (const [name, label] of [
  ['A', 'A whoami'],
  ['B', 'B tokenize, warm (one session)'],
  ['C', `C tokenize, cold (${coldSessions} sessions)`],
  ['D', 'D ceiling (Hono + node:crypto EdDSA)'],
  ['E', 'E whoami during logins'],
] as const) {
  const r = results[name] as LoadResult & { note?: string };
  console.log(`${label.padEnd(40)} ${r.rps.toFixed(0).padStart(9)} ${r.p50Ms.toFixed(2).padStart(10)} ${r.p99Ms.toFixed(2).padStart(9)} ${String(r.errors).padStart(8)}${r.note ? `   ${r.note}` : ''}`);
}
console.log('');
console.log(`ratios: B/D ${ratios['B/D'].toFixed(2)}   A/D ${ratios['A/D'].toFixed(2)}   C/D ${ratios['C/D'].toFixed(2)}`);
for (const check of checks) console.log(`${check.ok ? 'PASS' : 'MISS'}  ${check.what.padEnd(34)} ${check.value}`);
const invalid = Object.entries(results).filter(([, r]) => r.errors > 0);
if (invalid.length > 0) console.log(`WARNING: errors in case(s) ${invalid.map(([n]) => n).join(', ')}: those figures are not valid`);

const report = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model ?? null, memoryBytes: totalmem(), node: process.version, loadAverageAtStart: loadavg() },
  tool: { name: tool.name, version: tool.version, connections, threads, durationS, rounds, warmupS },
  store: ready.dialect,
  mapperWorkers: ready.mapperWorkers,
  cases: results,
  rounds: roundsOf,
  ratios,
  memoryAfterC: { serverRssBytes: memory.serverRss, mapperWorkers: memory.children },
  targets: TARGETS,
  checks,
};
writeFileSync(options.out, JSON.stringify(report, null, 2) + '\n');
console.log(`\nwritten: ${options.out}`);
process.exit(invalid.length > 0 ? 2 : 0);

// --- helpers --------------------------------------------------------------------------------------------

function caseResult(name: string): LoadResult & { note?: string } {
  const result = results[name];
  if (!result) throw new Error(`case ${name} was not measured`);
  return result;
}

function spawnChild(script: string): ChildProcess {
  const child = fork(join(process.cwd(), script), [], { execArgv: loaderFlags(process.execArgv), stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.push(child);
  child.once('exit', (code, signal) => {
    if (code !== 0 && signal !== 'SIGKILL') {
      console.error(`${script} exited (${signal ?? code})`);
      process.exit(1);
    }
  });
  return child;
}

function nextMessage<M extends { type: string }>(child: ChildProcess, type: string): Promise<M> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: M | ServerMessage): void => {
      if (message.type === 'failed') {
        child.off('message', onMessage);
        reject(new Error((message as Extract<ServerMessage, { type: 'failed' }>).message));
      } else if (message.type === type) {
        child.off('message', onMessage);
        resolve(message as M);
      }
    };
    child.on('message', onMessage);
  });
}

function request<T extends ServerMessage['type']>(child: ChildProcess, message: HarnessMessage, answer: T): Promise<Extract<ServerMessage, { type: T }>> {
  const reply = nextMessage<Extract<ServerMessage, { type: T }>>(child, answer);
  child.send(message);
  return reply;
}

/** `concurrency` loops of (create an API login flow, submit the password), as a native app logs in. */
function startLogins(baseUrl: string, login: { identifier: string; password: string }, concurrency: number): { count(): number; failures(): number; stop(): Promise<void> } {
  let running = true;
  let done = 0;
  let failed = 0;
  const loop = async (): Promise<void> => {
    while (running) {
      try {
        const flow = (await (await fetch(`${baseUrl}/self-service/login/api`)).json()) as { id: string };
        const response = await fetch(`${baseUrl}/self-service/login?flow=${flow.id}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify({ method: 'password', identifier: login.identifier, password: login.password }),
        });
        await response.arrayBuffer();
        if (response.ok) done++;
        else failed++;
      } catch {
        failed++;
      }
    }
  };
  const loops = Array.from({ length: concurrency }, () => loop());
  return {
    count: () => done,
    failures: () => failed,
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

function mb(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(0);
}
