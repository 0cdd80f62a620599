// test-stores: sqlite
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { ConfigError } from '../../src/config/config-error.js';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/logging/logger.js';
import { buildRuntime } from '../../src/runtime/build-deps.js';
import { sqlitePathFromDsn } from '../../src/store/sqlite/open-database.js';
import { tempDir } from '../helpers/config.js';

/**
 * No Docker engine here, so the image is checked through its inputs: the Dockerfile's instructions, the
 * container config, and the compiled output the image runs (`npm run build` -> `node dist/main.js`).
 */
interface ComposeService {
  build?: { context?: string };
  environment?: Record<string, string>;
  entrypoint?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition?: string }>;
}

const dockerfile = readFileSync('Dockerfile', 'utf8');
const dockerignore = readFileSync('.dockerignore', 'utf8')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line !== '' && !line.startsWith('#'));
const instructions = (name: string): string[] =>
  dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((line) => line.startsWith(`${name} `))
    .map((line) => line.slice(name.length + 1).trim());

describe('container image', () => {
  it('builds on node:20-bookworm-slim in two stages and runs as a non-root user', () => {
    assert.match(dockerfile, /^ARG NODE_IMAGE=node:20-bookworm-slim$/m);
    assert.deepEqual(instructions('FROM'), ['${NODE_IMAGE} AS build', '${NODE_IMAGE} AS runtime']);
    const users = instructions('USER');
    assert.equal(users.length, 1);
    assert.doesNotMatch(users[0] ?? '', /^(root|0)(:|$)/);
    // The toolchain is installed only in the build stage.
    const runtimeStage = dockerfile.slice(dockerfile.indexOf('AS runtime'));
    assert.doesNotMatch(runtimeStage, /g\+\+|cmake|build-essential/);
  });

  it('copies only files that exist and that .dockerignore lets through', () => {
    for (const copy of instructions('COPY').filter((args) => !args.startsWith('--from'))) {
      const sources = copy.split(/\s+/).slice(0, -1);
      for (const source of sources) {
        assert.ok(existsSync(source), `COPY ${source}: no such file`);
        const top = source.split('/')[0] as string;
        assert.ok(!dockerignore.includes(top) && !dockerignore.includes(source), `COPY ${source} is excluded by .dockerignore`);
      }
    }
    for (const excluded of ['node_modules', '.git', 'dist', 'data', 'keys']) assert.ok(dockerignore.includes(excluded), `${excluded} is kept out of the build context`);
  });

  it('declares the ports, a readiness health check and volumes for the database and the keys', () => {
    assert.deepEqual(instructions('EXPOSE'), ['4433 4434']);
    const healthcheck = instructions('HEALTHCHECK').join(' ');
    assert.match(healthcheck, /\/health\/ready/);
    assert.match(healthcheck, /CMD \["node", "-e"/, 'no curl in the slim image');
    const volumes = JSON.parse(instructions('VOLUME')[0] ?? '[]') as string[];
    const config = loadConfig({ file: 'docker/kratos.yml', env: { DSN: /ENV[^\n]*\n?\s*DSN=(\S+)/.exec(dockerfile)?.[1] ?? '' } });
    assert.ok(volumes.includes(dirname(sqlitePathFromDsn(config.dsn))), 'the SQLite file is on a volume');
    for (const template of config.session.tokenizerTemplates.values()) {
      assert.ok(volumes.includes(dirname(new URL(template.jwksUrl).pathname)), `${template.name}'s key file is on a volume`);
    }
    assert.deepEqual(JSON.parse(instructions('ENTRYPOINT')[0] ?? '[]'), ['node', 'dist/main.js']);
    assert.deepEqual(JSON.parse(instructions('CMD').at(-1) ?? '[]'), ['serve', '-c', '/etc/tessera/kratos.yml']);
  });

  it('listens publicly on 0.0.0.0, keeps the admin API on loopback, and needs a key to expose it', async () => {
    const config = loadConfig({ file: 'docker/kratos.yml', env: {} });
    assert.equal(config.serve.public.host, '0.0.0.0');
    assert.equal(config.serve.admin.host, '127.0.0.1');
    assert.ok(config.tessera.shutdownGraceMs < 10_000, 'drains before Docker sends SIGKILL (10 s after SIGTERM by default)');
    for (const schema of config.identity.schemas) assert.match(schema.url, /^file:\/\/\/app\/templates\//);

    const exposed = loadConfig({ file: 'docker/kratos.yml', env: { DSN: 'memory', SERVE_ADMIN_HOST: '0.0.0.0' } });
    // The image's files live in /app; here the schema comes from the checkout, and no tokenizer keys are needed.
    exposed.identity.schemas = [{ id: 'default', url: `file://${join(process.cwd(), 'templates/identity.schema.json')}` }];
    exposed.session.tokenizerTemplates = new Map();
    await assert.rejects(buildRuntime(exposed, createLogger('silent')), (error: unknown) => error instanceof ConfigError && error.keyPath === 'serve.admin.host');
    exposed.tessera.adminApiKey = 'a-long-enough-admin-api-key';
    const runtime = await buildRuntime(exposed, createLogger('silent'));
    await runtime.close();
  });

  it('wires the compose example: PostgREST reads the postgrest template\'s JWKS that Tessera\'s image writes', () => {
    const compose = parse(readFileSync('docker/compose.yml', 'utf8')) as { services: Record<string, ComposeService>; volumes: Record<string, unknown> };
    const { db, tessera, jwks, postgrest } = compose.services as Record<string, ComposeService>;
    assert.ok(db && tessera && jwks && postgrest);
    for (const volume of db.volumes ?? []) {
      const source = volume.split(':')[0] as string;
      if (source.startsWith('./')) assert.ok(existsSync(join('docker', source)), `${source} exists next to the compose file`);
    }
    assert.equal(tessera.build?.context, '..');
    assert.match(tessera.environment?.DSN ?? '', /^postgres:\/\/tessera:[^@]+@db:5432\/tessera$/);
    const secret = postgrest.environment?.PGRST_JWT_SECRET ?? '';
    assert.match(secret, /^@\/jwks\//, 'PostgREST reads the key set from the shared volume');
    assert.ok((jwks.entrypoint ?? []).join(' ').includes(`jwks -c /etc/tessera/kratos.yml --template postgrest > ${secret.slice(1)}`));
    assert.equal(postgrest.environment?.PGRST_JWT_ROLE_CLAIM_KEY, '.role');
    assert.equal(postgrest.depends_on?.jwks?.condition, 'service_completed_successfully');
    assert.equal(jwks.depends_on?.tessera?.condition, 'service_healthy');
    const init = readFileSync('docker/postgres-init.sql', 'utf8');
    for (const role of ['tessera', 'authenticator', 'authenticated', 'anon']) assert.match(init, new RegExp(`create role ${role}\\b`));
  });

  it('runs from the compiled output, with migrations found next to dist/', () => {
    const app = join(tempDir(), 'app');
    mkdirSync(app);
    const build = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json', '--outDir', join(app, 'dist'), '--sourceMap', 'false'], { encoding: 'utf8' });
    assert.equal(build.status, 0, build.stdout + build.stderr);
    for (const entry of ['package.json', 'migrations', 'node_modules', 'templates']) symlinkSync(join(process.cwd(), entry), join(app, entry));
    const env = { ...process.env, DSN: `sqlite://${join(app, 'data', 'tessera.db')}?_fk=true` };
    const version = spawnSync(process.execPath, ['dist/main.js', '--version'], { cwd: app, encoding: 'utf8', env });
    assert.equal(version.stdout.trim(), (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version, version.stderr);
    const migrate = spawnSync(process.execPath, ['dist/main.js', 'migrate'], { cwd: app, encoding: 'utf8', env });
    assert.equal(migrate.status, 0, migrate.stderr);
    assert.match(migrate.stdout, /migrations applied \(sqlite\)/);
  });
});
