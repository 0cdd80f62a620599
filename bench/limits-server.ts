/**
 * The Tessera of the benchmark's flood and timing cases (bench/flow-flood.ts, bench/login-timing.ts): a child
 * process, so that the load tools and the harness do not share its CPU time. Built from a config with the shipped
 * kratos.yml's argon2 parameters, the default rate limits (or none), loopback as a trusted proxy (so that a load
 * tool can speak for many client addresses with X-Forwarded-For), accounts with the given password hashes, and
 * one session for whoami. Answers the harness over IPC.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../src/config/load.js';
import { createPublicApp } from '../src/http/public-app.js';
import { newIdentity, passwordCredential, passwordIdentifiers } from '../src/identity/new-identity.js';
import { createLogger } from '../src/logging/logger.js';
import { buildRuntime, type Runtime } from '../src/runtime/build-deps.js';
import { issueSession } from '../src/session/issue-session.js';

export type LimitsServerMessage =
  | {
      type: 'start';
      dsn: string | null;
      workDir: string;
      rateLimits: boolean;
      /** Accounts to create: a stored hash as it would be imported, or a password Tessera hashes itself. */
      accounts: Array<{ email: string; hashedPassword?: string; password?: string }>;
    }
  | { type: 'stop' };

export type LimitsServerReply =
  | { type: 'ready'; port: number; sessionToken: string; dialect: string; argon2: { memory: number; iterations: number; parallelism: number } }
  | { type: 'stopped' }
  | { type: 'failed'; message: string };

let runtime: Runtime | null = null;
let server: ServerType | null = null;

const reply = (message: LimitsServerReply): void => {
  process.send?.(message);
};

process.on('message', (message: LimitsServerMessage) => {
  void handle(message).catch((error: unknown) => reply({ type: 'failed', message: error instanceof Error ? (error.stack ?? error.message) : String(error) }));
});
process.on('disconnect', () => process.exit(0));

async function handle(message: LimitsServerMessage): Promise<void> {
  if (message.type === 'stop') {
    server?.close();
    await runtime?.close();
    reply({ type: 'stopped' });
    return;
  }
  const shipped = loadConfig({ file: join(process.cwd(), 'kratos.yml'), env: {} });
  const config = loadConfig({
    file: null,
    env: {},
    overrides: {
      dsn: message.dsn ?? `sqlite://${join(message.workDir, `limits-${randomUUID().slice(0, 8)}.db`)}?_fk=true`,
      serve: { public: { base_url: 'http://127.0.0.1:4433/', host: '127.0.0.1', port: 0 }, admin: { host: '127.0.0.1', port: 0 } },
      identity: { default_schema_id: 'default', schemas: [{ id: 'default', url: `file://${join(process.cwd(), 'templates/identity.schema.json')}` }] },
      session: { whoami: { tokenizer: { templates: {} } } },
      tessera: { rate_limits: { enabled: message.rateLimits }, trusted_proxies: ['127.0.0.1'] },
      log: { level: 'silent' },
    },
  });
  config.hashers.argon2 = shipped.hashers.argon2;
  runtime = await buildRuntime(config, createLogger('silent'));
  const { deps } = runtime;
  const app = createPublicApp(deps);
  server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
  });

  const schema = deps.schemas.getDefault();
  const now = new Date();
  for (const account of message.accounts) {
    const traits = { email: account.email };
    const hashed = account.hashedPassword ?? (await deps.hasher.hash(account.password ?? ''));
    await deps.store.createIdentity(newIdentity({ schema, traits, now, credentials: [passwordCredential(passwordIdentifiers(schema, traits), hashed, now)] }));
  }
  const whoamiIdentity = newIdentity({ schema, traits: { email: `whoami-${randomUUID().slice(0, 8)}@example.org` }, now });
  const issued = issueSession(whoamiIdentity.id, { method: 'password' }, { ip: '127.0.0.1', userAgent: 'tessera-bench' }, now, config.session.lifespan);
  await deps.store.createIdentity(whoamiIdentity, { session: issued.session });

  reply({ type: 'ready', port: (server.address() as AddressInfo).port, sessionToken: issued.token, dialect: deps.store.dialect, argon2: config.hashers.argon2 });
}
