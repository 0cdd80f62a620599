// test-stores: sqlite
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import { tempDir } from '../helpers/config.js';
import { copiesOf, envOf, execForm, instructionsOf, parseCopy, readDockerfile, type Copy, type Stage } from '../helpers/dockerfile.js';
import { freePort } from '../helpers/free-port.js';

/**
 * There is no Docker engine here, so the image is built and run the way Docker would, on this machine: each
 * stage's filesystem is a folder, COPY copies what a clean clone has (the files git tracks), the build stage's
 * RUN steps run, and the runtime stage's ENTRYPOINT + CMD start the server from the build output with the
 * image's ENV, until the image's own HEALTHCHECK passes and STOPSIGNAL stops it.
 *
 * What cannot run here is stood in for, and said so: `npm ci` links the checkout's node_modules (the lockfile is
 * what it installs), `npm prune` and the system steps (apt-get, users, ownership) are skipped, and the absolute
 * paths of the image (/app, /etc/tessera, /var/lib/tessera) live under a scratch root.
 */
const stages = readDockerfile('Dockerfile');
const buildStage = stages.find((stage) => stage.name === 'build') as Stage;
const runtimeStage = stages.at(-1) as Stage;
const tracked = execFileSync('git', ['ls-files', '-z'], { encoding: 'utf8' }).split('\0').filter(Boolean);
const dockerignore = readFileSync('.dockerignore', 'utf8')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line !== '' && !line.startsWith('#'));

/** The tracked files a COPY source names (a file, or every file below a folder). */
function trackedFilesOf(source: string): string[] {
  const path = source.replace(/\/+$/, '');
  return tracked.filter((file) => file === path || file.startsWith(`${path}/`));
}

function workdirOf(stage: Stage, upTo: number): string {
  const workdirs = stage.instructions.slice(0, upTo).filter((i) => i.keyword === 'WORKDIR');
  return workdirs.at(-1)?.args ?? '/';
}

/** COPY into the stage's filesystem at `root`: files keep their path below the named folder, as in Docker. */
function copyInto(root: string, workdir: string, copy: Copy, fromStage: (name: string) => string): void {
  const destination = join(root, resolve(workdir, copy.destination));
  for (const source of copy.sources) {
    if (copy.from !== null) {
      const origin = join(fromStage(copy.from), source);
      mkdirSync(dirname(destination), { recursive: true });
      cpSync(origin, destination, { recursive: true, verbatimSymlinks: true });
      continue;
    }
    const files = trackedFilesOf(source);
    const isFolder = !files.includes(source.replace(/\/+$/, ''));
    for (const file of files) {
      const target = isFolder ? join(destination, file.slice(source.replace(/\/+$/, '').length + 1)) : copy.destination.endsWith('/') ? join(destination, file.split('/').at(-1) as string) : destination;
      mkdirSync(dirname(target), { recursive: true });
      cpSync(file, target);
    }
  }
}


describe('container image (built and run without a Docker engine)', () => {
  it('copies only files that a clean clone has and that .dockerignore lets through', () => {
    for (const stage of stages) {
      for (const copy of copiesOf(stage).filter((c) => c.from === null)) {
        for (const source of copy.sources) {
          assert.ok(trackedFilesOf(source).length > 0, `COPY ${source} (stage ${stage.name}): git tracks no such file`);
          const top = source.split('/')[0] as string;
          assert.ok(!dockerignore.includes(top) && !dockerignore.includes(source), `COPY ${source} is excluded by .dockerignore`);
        }
      }
    }
    for (const excluded of ['node_modules', '.git', 'dist', 'data', 'keys']) assert.ok(dockerignore.includes(excluded), `${excluded} is kept out of the build context`);
  });

  it('builds, serves /health/ready from the build output with the image\'s start command, and stops on its STOPSIGNAL', async () => {
    const scratch = tempDir('tessera-image-');
    const buildRoot = join(scratch, 'build');
    const root = join(scratch, 'runtime');
    const stageRoots = new Map([[buildStage.name, buildRoot]]);

    // Build stage: COPY what the Dockerfile names, run its build steps.
    buildStage.instructions.forEach((instruction, index) => {
      const workdir = join(buildRoot, workdirOf(buildStage, index + 1));
      if (instruction.keyword === 'WORKDIR') mkdirSync(workdir, { recursive: true });
      if (instruction.keyword === 'COPY') copyInto(buildRoot, workdirOf(buildStage, index), parseCopy(instruction.args), () => '');
      if (instruction.keyword !== 'RUN') return;
      for (const step of instruction.args.split('&&').map((s) => s.trim())) {
        if (/^(apt-get|rm -rf \/var\/lib\/apt)/.test(step)) continue;
        if (step.startsWith('npm ci')) {
          symlinkSync(resolve('node_modules'), join(workdir, 'node_modules'));
          continue;
        }
        if (step.startsWith('npm prune')) continue;
        const run = spawnSync('sh', ['-c', step], { cwd: workdir, encoding: 'utf8', env: { ...process.env, ...envOf(buildStage) } });
        assert.equal(run.status, 0, `RUN ${step}\n${run.stdout}${run.stderr}`);
      }
    });
    assert.ok(existsSync(join(buildRoot, 'app/dist/main.js')), 'the build wrote dist/main.js');

    // Runtime stage: its own COPYs (from the build stage and from the clone), and the volumes.
    const remap = (value: string): string => value.replace(/(file|sqlite):\/\/\//g, `$1://${root}/`).replace(/^\/(app|etc|var)\b/, `${root}/$1`);
    runtimeStage.instructions.forEach((instruction, index) => {
      if (instruction.keyword === 'WORKDIR') mkdirSync(join(root, instruction.args), { recursive: true });
      if (instruction.keyword === 'COPY') copyInto(root, workdirOf(runtimeStage, index), parseCopy(instruction.args), (name) => stageRoots.get(name) as string);
    });
    const volumes = JSON.parse(instructionsOf(runtimeStage, 'VOLUME')[0] ?? '[]') as string[];
    for (const volume of volumes) {
      mkdirSync(join(root, volume), { recursive: true });
      chmodSync(join(root, volume), 0o700);
    }
    const configFile = join(root, 'etc/tessera/kratos.yml');
    writeFileSync(configFile, remap(readFileSync(configFile, 'utf8')));

    const [publicPort, adminPort] = [await freePort(), await freePort()];
    const env: Record<string, string> = { ...(process.env as Record<string, string>), SERVE_PUBLIC_PORT: String(publicPort), SERVE_ADMIN_PORT: String(adminPort) };
    for (const [name, value] of Object.entries(envOf(runtimeStage))) env[name] = remap(value);
    const [program, ...args] = [...execForm(instructionsOf(runtimeStage, 'ENTRYPOINT')[0] ?? '[]'), ...execForm(instructionsOf(runtimeStage, 'CMD').at(-1) ?? '[]')].map(remap);
    assert.equal(program, 'node');
    const server = spawn(process.execPath, args, { cwd: join(root, workdirOf(runtimeStage, runtimeStage.instructions.length)), env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    server.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    server.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolveExit) => server.once('exit', (code) => resolveExit(code)));
    let running = true;
    void exited.then(() => (running = false));

    try {
      const [, ...check] = execForm(instructionsOf(runtimeStage, 'HEALTHCHECK')[0] ?? '[]');
      const deadline = Date.now() + 60_000;
      let healthy = false;
      while (!healthy && running && Date.now() < deadline) {
        healthy = spawnSync(process.execPath, check, { env, timeout: 5000 }).status === 0;
        if (!healthy) await new Promise((wait) => setTimeout(wait, 500));
      }
      assert.ok(healthy, `the HEALTHCHECK passed within a minute:\n${output}`);

      // What the running image writes lands on its volumes: the SQLite database and the generated keys.
      const [dataVolume, keysVolume] = volumes.map((volume) => join(root, volume)) as [string, string];
      assert.ok(readdirSync(dataVolume).includes('tessera.db'), 'the database is on the data volume');
      const keyFiles = readdirSync(keysVolume).filter((file) => file.endsWith('.jwks.json'));
      assert.ok(keyFiles.length > 0, 'the generated keys are on the keys volume');
      for (const file of keyFiles) assert.equal(statSync(join(keysVolume, file)).mode & 0o777, 0o600, file);
    } finally {
      if (running) server.kill((instructionsOf(runtimeStage, 'STOPSIGNAL')[0] ?? 'SIGTERM') as NodeJS.Signals);
    }
    assert.equal(await exited, 0, `stops with exit code 0 on its STOPSIGNAL:\n${output}`);
  });

  it('keeps the admin API on loopback and drains before Docker\'s SIGKILL (10 s after SIGTERM)', () => {
    const config = loadConfig({ file: 'docker/kratos.yml', env: {} });
    assert.equal(config.serve.public.host, '0.0.0.0');
    assert.equal(config.serve.admin.host, '127.0.0.1');
    assert.ok(config.tessera.shutdown.grace_period < 10_000);
  });

  it('wires the compose example: PostgREST reads the postgrest template\'s JWKS that Tessera\'s image writes', () => {
    interface ComposeService {
      build?: { context?: string };
      environment?: Record<string, string>;
      entrypoint?: string[];
      volumes?: string[];
      depends_on?: Record<string, { condition?: string }>;
    }
    const compose = parse(readFileSync('docker/compose.yml', 'utf8')) as { services: Record<string, ComposeService> };
    const { db, tessera, jwks, postgrest } = compose.services;
    assert.ok(db && tessera && jwks && postgrest);
    for (const volume of db.volumes ?? []) {
      const source = volume.split(':')[0] as string;
      if (source.startsWith('./')) assert.ok(trackedFilesOf(join('docker', source)).length > 0, `${source} is tracked next to the compose file`);
    }
    assert.equal(tessera.build?.context, '..');
    const secret = postgrest.environment?.PGRST_JWT_SECRET ?? '';
    assert.ok(secret.startsWith('@/jwks/'), 'PostgREST reads the key set from the shared volume');
    assert.ok((jwks.entrypoint ?? []).join(' ').includes(`jwks -c /etc/tessera/kratos.yml --template postgrest > ${secret.slice(1)}`));
    assert.equal(postgrest.depends_on?.jwks?.condition, 'service_completed_successfully');
    assert.equal(jwks.depends_on?.tessera?.condition, 'service_healthy');
  });
});
