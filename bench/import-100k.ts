/**
 * The 100,000-identity import, run end to end through the real CLI (`npm run bench:import`):
 *   1. writes an Auth0 password-hash export (NDJSON, bcrypt cost 10 as Auth0 uses) with COUNT users;
 *   2. times `tessera import` on it into a fresh SQLite database, then a second run (which must import nothing);
 *   3. starts Tessera on that database and logs one imported user in with the original password through the
 *      official SDK, checking that the stored hash became argon2id.
 * The measured times are recorded in docs/migrating.md. COUNT can be overridden: `COUNT=20000 npm run bench:import`.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Configuration, FrontendApi } from '@ory/client-fetch';
import bcrypt from 'bcrypt';
import { loadConfig } from '../src/config/load.js';
import { createLogger } from '../src/logging/logger.js';
import { buildRuntime } from '../src/runtime/build-deps.js';
import { startServers } from '../src/runtime/serve.js';

const COUNT = Number(process.env.COUNT ?? 100_000);
const PASSWORD = 'correct horse battery staple';
const root = process.cwd();
const dir = mkdtempSync(join(tmpdir(), 'tessera-import-bench-'));

async function main(): Promise<void> {
  const hash = await bcrypt.hash(PASSWORD, 10);
  const file = join(dir, 'auth0-users.ndjson');
  const out = createWriteStream(file);
  for (let i = 0; i < COUNT; i++) {
    const line = JSON.stringify({
      _id: { $oid: i.toString(16).padStart(24, '0') },
      email_verified: true,
      email: `user-${i}@example.org`,
      passwordHash: hash,
      tenant: 'bench',
      connection: 'Username-Password-Authentication',
    });
    if (!out.write(`${line}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');

  const dsn = `sqlite://${join(dir, 'tessera.db')}?_fk=true`;
  const yml = join(dir, 'kratos.yml');
  writeFileSync(yml, [`dsn: ${dsn}`, 'identity:', '  default_schema_id: default', `  schemas: [{ id: default, url: "file://${join(root, 'templates/identity.schema.json')}" }]`, 'log: { level: error }'].join('\n'));

  const first = await timedCli(['import', file, '-c', yml]);
  const second = await timedCli(['import', file, '-c', yml]);

  const config = loadConfig({ file: yml, env: {}, overrides: { serve: { public: { host: '127.0.0.1', port: 0 }, admin: { host: '127.0.0.1', port: 0 } } } });
  const { loginMs, rehashed } = await loginAfterImport(config);
  const result = {
    count: COUNT,
    first_run_seconds: +(first.ms / 1000).toFixed(1),
    first_run_summary: first.stdout.trim().split('\n').slice(1, 4).map((l) => l.trim()),
    second_run_seconds: +(second.ms / 1000).toFixed(1),
    second_run_summary: second.stdout.trim().split('\n').slice(1, 4).map((l) => l.trim()),
    login_after_import_ms: Math.round(loginMs),
    rehashed_to_argon2id: rehashed,
  };
  console.log(JSON.stringify(result, null, 2));
  if (!rehashed || !/imported: 0/.test(second.stdout) || !new RegExp(`imported: ${COUNT}\\b`).test(first.stdout)) process.exitCode = 1;
}

/** Logs the last imported user in through the SDK and reports whether the stored hash became argon2id. */
async function loginAfterImport(config: ReturnType<typeof loadConfig>): Promise<{ loginMs: number; rehashed: boolean }> {
  const runtime = await buildRuntime(config, createLogger('silent'));
  const servers = await startServers(runtime);
  try {
    const frontend = new FrontendApi(new Configuration({ basePath: `http://127.0.0.1:${servers.publicPort}` }));
    const identifier = `user-${COUNT - 1}@example.org`;
    const started = performance.now();
    const flow = await frontend.createNativeLoginFlow();
    await frontend.updateLoginFlow({ flow: flow.id, updateLoginFlowBody: { method: 'password', identifier, password: PASSWORD } });
    const loginMs = performance.now() - started;
    const identity = await runtime.deps.store.findIdentityByCredentialIdentifier('password', identifier);
    return { loginMs, rehashed: String(identity?.credentials?.[0]?.config.hashed_password).startsWith('$argon2id$') };
  } finally {
    await servers.shutdown(1000);
  }
}

async function timedCli(args: string[]): Promise<{ ms: number; stdout: string }> {
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/main.ts'), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`tessera ${args.join(' ')} exited with ${code}:\n${stdout}`);
  return { ms: performance.now() - started, stdout };
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => rmSync(dir, { recursive: true, force: true }));
