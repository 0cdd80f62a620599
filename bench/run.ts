/**
 * `npm run bench`: one command, one run, on loopback (docs/performance.md explains the cases and the figures).
 *
 *   A  whoami                                           (one session)
 *   B  whoami?tokenize_as=postgrest, warm               (one session: the memo cache answers)
 *   C  whoami?tokenize_as=postgrest, cold               (5,000 fresh sessions, each used once)
 *   D  the ceiling: a bare Hono app doing only the signing part of B, the way Tessera does it, same body
 *   E  whoami p99 while logins run steadily at the argon2 rate
 *   F  whoami while flows are created at full speed from other addresses (bench/flow-flood.ts)
 *   T  failed logins by kind of stored hash, against an unknown identifier (bench/login-timing.ts)
 *
 * Tessera runs as `tessera serve` runs with the shipped kratos.yml: default config, access log on (to a file).
 * Beside it, in the same interleaved rounds: the same with LOG_LEVEL=warn, and with --postgres the same on
 * PostgreSQL. Each case reports its median round (cases/steady-rounds.ts). Before anything runs, the raw Ed25519
 * signing limit of the machine's cores is measured as a line of reference.
 *
 * Options: --postgres <dsn> (adds the PostgreSQL column; the database must exist, Tessera migrates it),
 * --duration <s> (5, per round), --rounds <n> (3), --warmup <s> (2), --connections <n> (50), --threads <n> (2),
 * --sessions <n> (5000), --tool wrk|autocannon, --out <file> (bench/results.json).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { CeilingMessage, CeilingStart } from './bench-protocol.js';
import { runColdTokens } from './cases/cold-tokens.js';
import { measureSigningLimit } from './cases/signing-limit.js';
import { runSteadyRounds, type SteadyCase } from './cases/steady-rounds.js';
import { runWhoamiDuringLogins } from './cases/whoami-during-logins.js';
import { printFlowFlood, runFlowFlood } from './flow-flood.js';
import { printLoginTiming, runLoginTiming } from './login-timing.js';
import { nextMessage, request, spawnChild, startTessera, type BenchContext, type CaseResult, type TesseraProcess } from './harness.js';
import { findLoadTool, type LoadTool } from './load-tool.js';

const { values: args } = parseArgs({
  options: {
    postgres: { type: 'string' },
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
const options = {
  durationS: Number(args.duration),
  rounds: Math.max(1, Number(args.rounds)),
  warmupS: Number(args.warmup),
  connections: Number(args.connections),
  threads: Number(args.threads),
  coldSessions: Number(args.sessions),
};

const TARGETS = {
  bOverD: 1.0,
  bP99Ms: 10,
  aOverD: 1.6,
  cRps: 5000,
  defaultOverWarn: 0.9,
  postgresOverSqlite: 0.5,
  eP99OverIdle: 2,
  rssAfterCBytes: 300 * 1024 * 1024,
};

const found = await findLoadTool(args.tool ?? null);
if ('hint' in found) {
  console.error(found.hint);
  process.exit(1);
}
const tool: LoadTool = found.tool;

const workDir = mkdtempSync(join(tmpdir(), 'tessera-bench-'));
process.on('exit', () => rmSync(workDir, { recursive: true, force: true }));
const context: BenchContext = { tool, options, workDir };

console.log(`Tessera benchmark: ${tool.name} (${tool.version}), ${options.connections} connections, ${options.threads} threads, ${options.rounds} interleaved rounds of ${options.durationS} s (+${options.warmupS} s warm-up)`);
console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);

const signing = await measureSigningLimit();
console.log(`reference: raw Ed25519 signing on ${signing.cores} cores, nothing else running: ${fmt(signing.signsPerSecond)} signatures/s (${fmt(signing.perCore)} per core)`);

console.log('setting up: Tessera (default config; LOG_LEVEL=warn' + (args.postgres ? '; PostgreSQL' : '') + ') and its sessions, the ceiling app ...');
const sqliteDsn = (name: string): string => `sqlite://${join(workDir, `${name}.db`)}?_fk=true`;
const tessera = await startTessera(context, 'default', sqliteDsn('default'));
const quiet = await startTessera({ ...context, options: { ...options, coldSessions: 0 } }, 'warn', sqliteDsn('warn'), { LOG_LEVEL: 'warn' });
const postgres = args.postgres ? await startTessera({ ...context, options: { ...options, coldSessions: 0 } }, 'postgres', args.postgres) : null;
const ceilingPort = await startCeiling(tessera);
console.log(`Tessera on ${tessera.baseUrl} (${tessera.ready.dialect}, log level ${tessera.ready.logLevel}, ${tessera.ready.mapperWorkers} mapper workers, log to a file); ceiling on port ${ceilingPort}`);

const whoami = (server: TesseraProcess, tokenize: boolean): Omit<SteadyCase, 'key' | 'label'> => ({
  url: `${server.baseUrl}/sessions/whoami${tokenize ? '?tokenize_as=postgrest' : ''}`,
  headers: { 'X-Session-Token': server.ready.warmToken },
});
const steadyCases: SteadyCase[] = [
  { key: 'A', label: 'A whoami', ...whoami(tessera, false) },
  { key: 'B', label: 'B whoami?tokenize_as=postgrest, warm', ...whoami(tessera, true) },
  { key: 'A warn', label: 'A whoami, LOG_LEVEL=warn', ...whoami(quiet, false) },
  { key: 'B warn', label: 'B tokenize, warm, LOG_LEVEL=warn', ...whoami(quiet, true) },
  ...(postgres
    ? [
        { key: 'A pg', label: 'A whoami, PostgreSQL', ...whoami(postgres, false) },
        { key: 'B pg', label: 'B tokenize, warm, PostgreSQL', ...whoami(postgres, true) },
      ]
    : []),
  { key: 'D', label: 'D ceiling: bare Hono, same signing and body', url: `http://127.0.0.1:${ceilingPort}/token` },
];
const steady = await runSteadyRounds(context, steadyCases);
const results: Record<string, CaseResult> = { ...steady.results };

const cold = await runColdTokens(context, tessera);
results.C = cold.result;
results.E = await runWhoamiDuringLogins(context, tessera);

const servers = [tessera, quiet, ...(postgres ? [postgres] : [])];
await Promise.all(servers.map((server) => request(server.child, { type: 'stop' }, 'stopped')));
// F and T start servers of their own (SQLite), with the limits they are about.
const flood = await runFlowFlood({ tool, dsn: null, workDir, durationS: options.durationS * options.rounds, connections: options.connections, threads: options.threads });
const timing = await runLoginTiming({ dsn: null, workDir, rounds: 15 });
const logLines = readFileSync(tessera.logFile, 'utf8').split('\n').filter((line) => line.includes('"msg":"request"')).length;

// --- report ---------------------------------------------------------------------------------------------
const get = (key: string): CaseResult => {
  const result = results[key];
  if (!result) throw new Error(`case ${key} was not measured`);
  return result;
};
const [A, B, C, D, E] = (['A', 'B', 'C', 'D', 'E'] as const).map(get) as [CaseResult, CaseResult, CaseResult, CaseResult, CaseResult];
const workersRss = cold.memory.children.reduce((sum, child) => sum + child.rss, 0);
const workersPss = cold.memory.children.reduce((sum, child) => sum + child.pss, 0);
const ratios: Record<string, number> = { 'B/D': B.rps / D.rps, 'A/D': A.rps / D.rps, 'A/A warn': A.rps / get('A warn').rps, 'B/B warn': B.rps / get('B warn').rps };
if (postgres) Object.assign(ratios, { 'A pg/A': get('A pg').rps / A.rps, 'B pg/B': get('B pg').rps / B.rps });
const checks = [
  { what: 'B/D >= 1.0', ok: B.rps / D.rps >= TARGETS.bOverD, value: (B.rps / D.rps).toFixed(2) },
  { what: 'B p99 <= 10 ms', ok: B.p99Ms <= TARGETS.bP99Ms, value: `${B.p99Ms.toFixed(2)} ms` },
  { what: 'A/D >= 1.6', ok: A.rps / D.rps >= TARGETS.aOverD, value: (A.rps / D.rps).toFixed(2) },
  { what: 'A >= 0.9 x A at LOG_LEVEL=warn', ok: A.rps / get('A warn').rps >= TARGETS.defaultOverWarn, value: (A.rps / get('A warn').rps).toFixed(2) },
  { what: 'B >= 0.9 x B at LOG_LEVEL=warn', ok: B.rps / get('B warn').rps >= TARGETS.defaultOverWarn, value: (B.rps / get('B warn').rps).toFixed(2) },
  ...(postgres
    ? [
        { what: 'PostgreSQL A >= 0.5 x SQLite A', ok: get('A pg').rps / A.rps >= TARGETS.postgresOverSqlite, value: (get('A pg').rps / A.rps).toFixed(2) },
        { what: 'PostgreSQL B >= 0.5 x SQLite B', ok: get('B pg').rps / B.rps >= TARGETS.postgresOverSqlite, value: (get('B pg').rps / B.rps).toFixed(2) },
      ]
    : []),
  { what: 'C >= 5,000 tokens/s', ok: C.rps >= TARGETS.cRps, value: `${C.rps.toFixed(0)} /s` },
  { what: 'RSS after C <= 300 MB (server)', ok: cold.memory.serverRss <= TARGETS.rssAfterCBytes, value: `${mb(cold.memory.serverRss)} MB (mapper workers: ${cold.memory.children.length}, RSS ${mb(workersRss)} MB, PSS ${mb(workersPss)} MB)` },
  { what: 'E p99 <= 2x idle whoami p99 (A)', ok: E.p99Ms <= TARGETS.eP99OverIdle * A.p99Ms, value: `${E.p99Ms.toFixed(2)} ms vs ${A.p99Ms.toFixed(2)} ms (${(E.p99Ms / A.p99Ms).toFixed(2)}x)` },
];

console.log('');
console.log(`${'case'.padEnd(44)} ${'req/s'.padStart(9)} ${'p50 ms'.padStart(10)} ${'p99 ms'.padStart(9)} ${'errors'.padStart(8)}`);
const rows: Array<[string, string]> = [
  ['A', 'A whoami'],
  ['B', 'B tokenize, warm (one session)'],
  ['C', `C tokenize, cold (${options.coldSessions} sessions)`],
  ['D', 'D ceiling (Hono, same signing and body)'],
  ['E', 'E whoami during logins'],
  ['A warn', 'A whoami, LOG_LEVEL=warn'],
  ['B warn', 'B tokenize, warm, LOG_LEVEL=warn'],
  ...(postgres
    ? ([
        ['A pg', 'A whoami, PostgreSQL'],
        ['B pg', 'B tokenize, warm, PostgreSQL'],
      ] as Array<[string, string]>)
    : []),
];
for (const [key, label] of rows) {
  const r = get(key);
  console.log(`${label.padEnd(44)} ${r.rps.toFixed(0).padStart(9)} ${r.p50Ms.toFixed(2).padStart(10)} ${r.p99Ms.toFixed(2).padStart(9)} ${String(r.errors).padStart(8)}${r.note ? `   ${r.note}` : ''}`);
}
if (flood) printFlowFlood(flood);
console.log('');
printLoginTiming(timing);
console.log('');
console.log(`reference: raw Ed25519 signing limit of the ${signing.cores} cores: ${fmt(signing.signsPerSecond)} /s; D reaches ${((D.rps / signing.signsPerSecond) * 100).toFixed(0)} % of it`);
console.log(`ratios: ${Object.entries(ratios).map(([name, value]) => `${name} ${value.toFixed(2)}`).join('   ')}`);
for (const check of checks) console.log(`${check.ok ? 'PASS' : 'MISS'}  ${check.what.padEnd(34)} ${check.value}`);
console.log(`access log of the default-config server: ${logLines} request lines`);
const invalid = Object.entries(results).filter(([, r]) => r.errors > 0);
if (invalid.length > 0) console.log(`WARNING: errors in case(s) ${invalid.map(([n]) => n).join(', ')}: those figures are not valid`);

const report = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model ?? null, memoryBytes: totalmem(), node: process.version, loadAverageAtStart: loadavg() },
  tool: { name: tool.name, version: tool.version, ...options },
  signingLimit: signing,
  servers: Object.fromEntries(servers.map((s) => [s.name, { dialect: s.ready.dialect, logLevel: s.ready.logLevel, mapperWorkers: s.ready.mapperWorkers }])),
  cases: results,
  rounds: steady.rounds,
  ratios,
  memoryAfterC: { serverRssBytes: cold.memory.serverRss, mapperWorkers: cold.memory.children },
  accessLogLines: logLines,
  flowFlood: flood,
  loginTiming: timing,
  targets: TARGETS,
  checks,
};
writeFileSync(args.out, JSON.stringify(report, null, 2) + '\n');
console.log(`\nwritten: ${args.out}`);
process.exit(invalid.length > 0 ? 2 : 0);

// --- helpers --------------------------------------------------------------------------------------------

/** Starts the ceiling with the body and claims of Tessera's own warm tokenize answer. */
async function startCeiling(server: TesseraProcess): Promise<number> {
  const headers = { 'X-Session-Token': server.ready.warmToken };
  const sessionJson = await (await fetch(`${server.baseUrl}/sessions/whoami`, { headers })).text();
  const tokenized = ((await (await fetch(`${server.baseUrl}/sessions/whoami?tokenize_as=postgrest`, { headers })).json()) as { tokenized: string }).tokenized;
  const claims = JSON.parse(Buffer.from(tokenized.split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>;
  const { jti: _jti, iss, exp, sid, nbf, iat: _iat, sub, ...mapped } = claims;
  const child = spawnChild('bench/ceiling-server.ts');
  const start: CeilingStart = { type: 'start', sessionJson, sessionId: String(sid), identityId: String(sub), issuer: String(iss), ttlSeconds: Number(exp) - Number(nbf), mapped };
  const ready = nextMessage<CeilingMessage>(child, 'ready');
  child.send(start);
  return (await ready).port;
}

function mb(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(0);
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}
