/**
 * The benchmark's Tessera: a child process of bench/run.ts, so that the load tool and the measuring harness do
 * not share its CPU time or its memory figure. It builds the runtime from a config with the `postgrest` template,
 * creates the sessions the cases need directly through the Store (no argon2 for them), serves the public API on
 * loopback and answers the harness over IPC.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../src/config/load.js';
import type { Config } from '../src/config/types.js';
import { createPublicApp } from '../src/http/public-app.js';
import { newIdentity, passwordCredential, passwordIdentifiers } from '../src/identity/new-identity.js';
import { createLogger } from '../src/logging/logger.js';
import { buildRuntime, type Runtime } from '../src/runtime/build-deps.js';
import { issueSession } from '../src/session/issue-session.js';
import type { HarnessMessage, ServerMessage } from './bench-protocol.js';

const reply = (message: ServerMessage): void => {
  process.send?.(message);
};

let runtime: Runtime | null = null;
let server: ServerType | null = null;
/** Tokenize requests answered so far, and when (for case C's rate, measured where the work happens). */
let tokenized = 0;
let watch: { target: number; firstAt: number | null; lastAt: number } | null = null;

process.on('message', (message: HarnessMessage) => {
  void handle(message).catch((error: unknown) => {
    reply({ type: 'failed', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  });
});
process.on('disconnect', () => process.exit(0));

async function handle(message: HarnessMessage): Promise<void> {
  switch (message.type) {
    case 'start':
      return start(message.dsn, message.workDir, message.coldSessions);
    case 'watch':
      watch = { target: tokenized + message.count, firstAt: null, lastAt: 0 };
      return;
    case 'memory':
      reply({ type: 'memory', serverRss: process.memoryUsage.rss(), children: childrenRss() });
      return;
    case 'stop':
      server?.close();
      await runtime?.close();
      reply({ type: 'stopped' });
      return;
  }
}

async function start(dsn: string | null, workDir: string, coldSessions: number): Promise<void> {
  const config = benchConfig(dsn, workDir);
  runtime = await buildRuntime(config, createLogger('silent'));
  const { deps } = runtime;

  const app = createPublicApp(deps);
  server = await new Promise<ServerType>((resolve) => {
    const s = serve(
      {
        fetch: async (request: Request) => {
          const response = await app.fetch(request);
          if (watch && request.url.includes('tokenize_as=')) countTokenized();
          return response;
        },
        hostname: '127.0.0.1',
        port: 0,
      },
      () => resolve(s),
    );
  });

  // Sessions straight through the Store: distinct identities, half of them with a role in metadata_public.
  const schema = deps.schemas.getDefault();
  const runId = randomUUID().slice(0, 8);
  const now = new Date();
  const sessionFor = async (i: number, credentials?: ReturnType<typeof passwordCredential>[]): Promise<string> => {
    const traits = { email: `bench-${runId}-${i}@example.org`, name: `Bench User ${i}` };
    const identity = newIdentity({ schema, traits, now, metadataPublic: i % 2 === 0 ? { role: 'editor' } : null, credentials });
    const issued = issueSession(identity.id, { method: 'password' }, { ip: '127.0.0.1', userAgent: 'tessera-bench' }, now, config.session.lifespan);
    await deps.store.createIdentity(identity, { session: issued.session });
    return issued.token;
  };
  const warmToken = await sessionFor(0);
  const coldTokens: string[] = [];
  for (let i = 1; i <= coldSessions; i++) coldTokens.push(await sessionFor(i));
  const coldTokensFile = join(workDir, 'cold-tokens.txt');
  writeFileSync(coldTokensFile, coldTokens.join('\n') + '\n');

  const loginEmail = `bench-${runId}-login@example.org`;
  const password = `bench passphrase ${runId}`;
  const loginTraits = { email: loginEmail, name: 'Bench Login' };
  const hashed = await deps.hasher.hash(password);
  await deps.store.createIdentity(newIdentity({ schema, traits: loginTraits, now, credentials: [passwordCredential(passwordIdentifiers(schema, loginTraits), hashed, now)] }));

  reply({
    type: 'ready',
    port: (server.address() as AddressInfo).port,
    warmToken,
    coldTokensFile,
    login: { identifier: loginEmail, password },
    dialect: deps.store.dialect,
    hashingConcurrency: config.tessera.limits.hashing_concurrency,
    argon2: config.hashers.argon2,
    mapperWorkers: config.tessera.tokenizer.workers,
  });
}

function countTokenized(): void {
  tokenized++;
  if (!watch) return;
  const now = performance.now();
  watch.firstAt ??= now;
  watch.lastAt = now;
  if (tokenized >= watch.target) {
    reply({ type: 'reached', elapsedMs: watch.lastAt - watch.firstAt });
    watch = null;
  }
}

/** The shipped postgrest mapper: the benchmark measures what users run. */
function mapperFile(): string {
  return join(process.cwd(), 'templates/postgrest.jsonnet');
}

/**
 * The shipped kratos.yml's password hashing (so logins in case E cost what they cost in production), a fresh
 * Ed25519 key for the postgrest template, no rate limits (case E logs one identity in over and over), quiet logs.
 */
function benchConfig(dsn: string | null, workDir: string): Config {
  const jwksFile = join(workDir, 'postgrest.jwks.json');
  const { privateKey } = generateKeyPairSync('ed25519');
  writeFileSync(jwksFile, JSON.stringify({ keys: [{ ...privateKey.export({ format: 'jwk' }), alg: 'EdDSA', use: 'sig', kid: 'bench-postgrest' }] }), { mode: 0o600 });
  const shipped = loadConfig({ file: join(process.cwd(), 'kratos.yml'), env: {} });
  const config = loadConfig({
    file: null,
    env: {},
    overrides: {
      dsn: dsn ?? `sqlite://${join(workDir, 'bench.db')}?_fk=true`,
      serve: { public: { base_url: 'http://127.0.0.1:4433/', host: '127.0.0.1', port: 0 }, admin: { host: '127.0.0.1', port: 0 } },
      identity: { default_schema_id: 'default', schemas: [{ id: 'default', url: `file://${join(process.cwd(), 'templates/identity.schema.json')}` }] },
      session: { whoami: { tokenizer: { templates: { postgrest: { ttl: '5m', jwks_url: `file://${jwksFile}`, claims_mapper_url: `file://${mapperFile()}` } } } } },
      tessera: { rate_limits: { enabled: false } },
      log: { level: 'silent' },
    },
  });
  config.hashers.argon2 = shipped.hashers.argon2;
  return config;
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
