/**
 * The benchmark's Tessera: a child process of bench/run.ts, so that the load tool and the measuring harness do
 * not share its CPU time or its memory figure. It starts Tessera the way `tessera serve` does (serve-command.ts):
 * the shipped kratos.yml, the logger that config asks for, writing to stdout (which the harness sends to a file,
 * as a service manager would), `startServers` with both APIs and the maintenance timers. Only what a benchmark
 * on loopback needs is changed: the DSN, loopback ports chosen by the OS, key files in the run's temporary folder
 * (generated at start, as on a first `tessera serve`), and no login rate limits (case E logs one identity in
 * over and over). LOG_LEVEL and TESSERA_* in the environment work as they do for `tessera serve`.
 *
 * The sessions the cases need are created directly through the Store (no argon2 for them).
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { loadConfig } from '../src/config/load.js';
import type { Config } from '../src/config/types.js';
import { newIdentity, passwordCredential, passwordIdentifiers } from '../src/identity/new-identity.js';
import { createLogger, flushLogger } from '../src/logging/logger.js';
import { buildRuntime } from '../src/runtime/build-deps.js';
import { startServers, type RunningServers } from '../src/runtime/serve.js';
import { issueSession } from '../src/session/issue-session.js';
import type { HarnessMessage, ServerMessage } from './bench-protocol.js';

const reply = (message: ServerMessage): void => {
  process.send?.(message);
};

let servers: RunningServers | null = null;
let logger: ReturnType<typeof createLogger> | null = null;
/** Counting tokenize answers (case C's rate, measured where the work happens); attached only while C runs. */
let watch: { left: number; firstAt: number | null; lastAt: number; listener: (request: IncomingMessage, response: ServerResponse) => void } | null = null;

process.on('message', (message: HarnessMessage) => {
  void handle(message).catch((error: unknown) => {
    reply({ type: 'failed', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  });
});
process.on('disconnect', () => process.exit(0));

async function handle(message: HarnessMessage): Promise<void> {
  switch (message.type) {
    case 'start':
      return start(message.dsn, message.workDir, message.name, message.coldSessions);
    case 'watch':
      return startWatch(message.count);
    case 'memory':
      reply({ type: 'memory', serverRss: process.memoryUsage.rss(), children: childrenRss() });
      return;
    case 'stop':
      await servers?.shutdown();
      // As serve-command.ts does after a shutdown: every line is on its way before the process ends.
      if (logger) await flushLogger(logger);
      reply({ type: 'stopped' });
      return;
  }
}

async function start(dsn: string, workDir: string, name: string, coldSessions: number): Promise<void> {
  const config = benchConfig(dsn, workDir, name);
  logger = createLogger(config.log.level);
  const runtime = await buildRuntime(config, logger);
  servers = await startServers(runtime);
  const { deps } = runtime;

  // Sessions straight through the Store: distinct identities, half of them with a role in metadata_public.
  const schema = deps.schemas.getDefault();
  const runId = randomUUID().slice(0, 8);
  const now = new Date();
  const sessionFor = async (i: number): Promise<string> => {
    const traits = { email: `bench-${runId}-${i}@example.org`, name: `Bench User ${i}` };
    const identity = newIdentity({ schema, traits, now, metadataPublic: i % 2 === 0 ? { role: 'editor' } : null });
    const issued = issueSession(identity.id, { method: 'password' }, { ip: '127.0.0.1', userAgent: 'tessera-bench' }, now, config.session.lifespan);
    await deps.store.createIdentity(identity, { session: issued.session });
    return issued.token;
  };
  const warmToken = await sessionFor(0);
  const coldTokens: string[] = [];
  for (let i = 1; i <= coldSessions; i++) coldTokens.push(await sessionFor(i));
  const coldTokensFile = join(workDir, `${name}-cold-tokens.txt`);
  writeFileSync(coldTokensFile, coldTokens.join('\n') + '\n');

  const loginEmail = `bench-${runId}-login@example.org`;
  const password = `bench passphrase ${runId}`;
  const loginTraits = { email: loginEmail, name: 'Bench Login' };
  const hashed = await deps.hasher.hash(password);
  await deps.store.createIdentity(newIdentity({ schema, traits: loginTraits, now, credentials: [passwordCredential(passwordIdentifiers(schema, loginTraits), hashed, now)] }));

  reply({
    type: 'ready',
    port: servers.publicPort,
    warmToken,
    coldTokensFile,
    login: { identifier: loginEmail, password },
    dialect: deps.store.dialect,
    logLevel: config.log.level,
    hashingConcurrency: config.tessera.limits.hashing_concurrency,
    argon2: config.hashers.argon2,
    mapperWorkers: config.tessera.tokenizer.workers,
  });
}

function startWatch(count: number): void {
  const server = servers?.publicServer;
  if (!server) throw new Error('not started');
  const listener = (request: IncomingMessage, response: ServerResponse): void => {
    if (!request.url?.includes('tokenize_as=')) return;
    response.once('finish', () => {
      if (!watch) return;
      const now = performance.now();
      watch.firstAt ??= now;
      watch.lastAt = now;
      if (--watch.left === 0) {
        reply({ type: 'reached', elapsedMs: watch.lastAt - watch.firstAt });
        server.off('request', watch.listener);
        watch = null;
      }
    });
  };
  watch = { left: count, firstAt: null, lastAt: 0, listener };
  server.on('request', listener);
}

/**
 * The shipped kratos.yml, with the few changes a benchmark on loopback needs (see the top of this file). Of the
 * environment, only LOG_LEVEL and the TESSERA_* settings are read (`TESSERA_TOKENIZER_WORKERS=1 npm run bench`):
 * a DSN or port set in the shell must not redirect the benchmark.
 */
function benchConfig(dsn: string, workDir: string, name: string): Config {
  const keyFile = (template: string): string => `file://${join(workDir, `${name}-${template}.jwks.json`)}`;
  return loadConfig({
    file: join(process.cwd(), 'kratos.yml'),
    env: Object.fromEntries(Object.entries(process.env).filter(([key]) => key === 'LOG_LEVEL' || key.startsWith('TESSERA_'))),
    overrides: {
      dsn,
      serve: { public: { host: '127.0.0.1', port: 0 }, admin: { host: '127.0.0.1', port: 0 } },
      session: { whoami: { tokenizer: { templates: { postgrest: { jwks_url: keyFile('postgrest') }, hasura: { jwks_url: keyFile('hasura') } } } } },
      tessera: { rate_limits: { enabled: false } },
    },
  });
}

/**
 * Resident memory of this process's mapper workers (children running mapper-worker), from /proc (Linux); empty
 * elsewhere. Other children (tsx's esbuild service when running from source) are not Tessera's and are left out.
 */
function childrenRss(): Array<{ pid: number; rss: number; pss: number }> {
  if (!existsSync('/proc/self/stat')) return [];
  const out: Array<{ pid: number; rss: number; pss: number }> = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== process.pid || !readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('mapper-worker')) continue;
      const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${entry}/status`, 'utf8'))?.[1] ?? 0);
      // Proportional set size: shared pages (the node binary, libraries) split between the processes using them.
      const pssKiB = Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${entry}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
      out.push({ pid: Number(entry), rss: rssKiB * 1024, pss: pssKiB * 1024 });
    } catch {
      // The process ended while being read.
    }
  }
  return out;
}
