// test-stores: sqlite
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, statSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '../helpers/config.js';
import { codeBlocks } from '../helpers/markdown.js';
import { freePort } from '../helpers/free-port.js';

/**
 * README's quick start, followed as a new user would: `npm start` on a fresh copy of the checkout (the shipped
 * kratos.yml, no data, no keys), then the curl walkthrough run by bash exactly as the README writes it. Only the
 * ports differ, so that the test can run next to other servers: SERVE_PUBLIC_PORT and SERVE_ADMIN_PORT (with
 * the base URL to match) come from the environment, and the walkthrough's `localhost:4433` is pointed at the
 * chosen port.
 */
const walkthrough = codeBlocks('README.md', 'sh', 'Quick start').find((block) => block.includes('curl'));


describe('README quick start, as written', () => {
  const checkout = tempDir('tessera-quick-start-');
  let child: ChildProcess | null = null;
  let output = '';
  let publicPort = 0;

  before(async () => {
    // A fresh checkout: the tracked files `npm start` reads, and the installed node_modules.
    for (const entry of ['src', 'templates', 'migrations', 'node_modules']) symlinkSync(resolve(entry), join(checkout, entry));
    for (const file of ['package.json', 'kratos.yml']) copyFileSync(file, join(checkout, file));
  });

  after(async () => {
    if (child?.pid !== undefined && child.exitCode === null) {
      const exited = new Promise((done) => child?.once('exit', done));
      process.kill(-child.pid, 'SIGTERM');
      await exited;
    }
  });

  it('prints the help for `tessera` without a command, and starts nothing', () => {
    const result = spawnSync('npm', ['run', '--silent', 'tessera'], { cwd: checkout, encoding: 'utf8', timeout: 60_000 });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^Usage: tessera <command> \[options\]$/m);
    assert.match(result.stdout, /tessera serve/);
    assert.ok(!existsSync(join(checkout, 'data')), 'no database was created');
  });

  it('starts with `npm start`: public API on every interface, admin API on loopback, keys generated (0600)', async () => {
    publicPort = await freePort();
    const adminPort = await freePort();
    const env = { ...process.env, SERVE_PUBLIC_PORT: String(publicPort), SERVE_PUBLIC_BASE_URL: `http://localhost:${publicPort}/`, SERVE_ADMIN_PORT: String(adminPort) };
    child = spawn('npm', ['start'], { cwd: checkout, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const deadline = Date.now() + 90_000;
    let ready = false;
    while (!ready && child.exitCode === null && Date.now() < deadline) {
      ready = await fetch(`http://localhost:${publicPort}/health/ready`).then((r) => r.ok, () => false);
      if (!ready) await new Promise((wait) => setTimeout(wait, 500));
    }
    assert.ok(ready, `npm start serves /health/ready:\n${output}`);

    const listening = output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { msg?: string; host?: string; port?: number });
    assert.equal(listening.find((entry) => entry.msg === 'public API listening')?.host, '0.0.0.0');
    assert.equal(listening.find((entry) => entry.msg === 'admin API listening')?.host, '127.0.0.1');
    assert.ok(existsSync(join(checkout, 'data/tessera.db')), 'identities and sessions go to ./data/tessera.db');
    const keys = readdirSync(join(checkout, 'keys'));
    assert.deepEqual(keys.sort(), ['hasura.jwks.json', 'postgrest.jwks.json']);
    for (const key of keys) assert.equal(statSync(join(checkout, 'keys', key)).mode & 0o777, 0o600, key);
  });

  it('runs the curl walkthrough: registration signs in, whoami, a PostgREST token, login', () => {
    assert.ok(walkthrough, 'README has the curl walkthrough under "## Quick start"');
    assert.ok(publicPort > 0, 'the server runs');
    const script = walkthrough.replaceAll('localhost:4433', `localhost:${publicPort}`);
    const result = spawnSync('bash', ['-euo', 'pipefail', '-c', script], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}\n${output}`);
    const lines = result.stdout.trim().split('\n');
    assert.deepEqual(JSON.parse(lines.slice(0, -2).join('\n')), { email: 'ada@example.org' }, result.stdout);
    assert.match(lines.at(-2) as string, /^[\w-]+\.[\w-]+\.[\w-]+$/, 'a JWT');
    assert.match(lines.at(-1) as string, /^"ory_st_\w+"$/, 'a session token');
  });
});
