// test-stores: both
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { Configuration, IdentityApi } from '@ory/client-fetch';
import { tempDir, testConfig } from '../helpers/config.js';
import type { RawResponse } from '../helpers/raw-http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { sdkError } from '../helpers/sdk-errors.js';

const ADMIN_KEY = 'a-long-admin-api-key-0123456789';
const repoRoot = process.cwd();

/** A kratos.yml for a spawned CLI: a fresh SQLite file and ports chosen by the OS. */
function writeConfig(adminHost: string): string {
  const dir = tempDir();
  const file = join(dir, 'kratos.yml');
  writeFileSync(
    file,
    [
      `dsn: sqlite://${join(dir, 'tessera.db')}?_fk=true`,
      'serve:',
      '  public: { host: 127.0.0.1, port: 0, base_url: "http://localhost:4433/" }',
      `  admin: { host: "${adminHost}", port: 0 }`,
      'identity:',
      '  default_schema_id: default',
      `  schemas: [{ id: default, url: "file://${join(repoRoot, 'templates/identity.schema.json')}" }]`,
      'hashers: { argon2: { memory: 1MB, iterations: 1, parallelism: 1 } }',
      'log: { level: info }',
    ].join('\n'),
  );
  return file;
}

describe('admin API exposure', () => {
  it('refuses to start the CLI when the admin API listens beyond loopback without an API key', async () => {
    const child = spawn(process.execPath, [join(repoRoot, 'bin/tessera.js'), 'serve', '-c', writeConfig('0.0.0.0')], { env: { ...process.env, TESSERA_ADMIN_API_KEY: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 1);
    assert.match(stderr, /serve\.admin\.host.*not loopback, so an admin API key is required/);
  });

  it('starts beyond loopback once a key is set, and then requires it', async () => {
    // Spawned without the bin wrapper so that this test can stop exactly the process it started.
    const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'src/main.ts'), 'serve', '-c', writeConfig('0.0.0.0')], {
      env: { ...process.env, TESSERA_ADMIN_API_KEY: ADMIN_KEY },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let adminPort = 0;
      for await (const line of createInterface({ input: child.stdout })) {
        const entry = JSON.parse(line) as { msg?: string; port?: number };
        if (entry.msg === 'admin API listening') {
          adminPort = entry.port ?? 0;
          break;
        }
      }
      assert.ok(adminPort > 0);
      const base = `http://127.0.0.1:${adminPort}`;
      const withKey = new IdentityApi(new Configuration({ basePath: base, accessToken: ADMIN_KEY }));
      assert.deepEqual(await withKey.listIdentities(), []);
      const wrongKey = new IdentityApi(new Configuration({ basePath: base, accessToken: 'not-the-key' }));
      assert.equal((await sdkError(wrongKey.listIdentities())).status, 401);
      assert.equal((await fetch(`${base}/admin/identities`)).status, 401);
      assert.equal((await fetch(`${base}/health/alive`)).status, 200, 'health stays open for probes');
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });
});

describe('admin API key and the public port', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer(testConfig({ tessera: { admin: { api_key: ADMIN_KEY } } }));
  });
  after(async () => {
    await server.close();
  });

  it('accepts the SDK with the key and answers 401 with Kratos error JSON without it', async () => {
    const identity = await server.identities.createIdentity({ createIdentityBody: { schema_id: 'default', traits: { email: 'key@example.org' } } });
    assert.equal((await server.identities.getIdentity({ id: identity.id })).id, identity.id);
    for (const authorization of [undefined, 'Bearer wrong', `Basic ${ADMIN_KEY}`, `Bearer ${ADMIN_KEY}x`]) {
      const response = await fetch(`${server.adminUrl}/admin/identities/${identity.id}`, { headers: authorization ? { authorization } : {} });
      assert.equal(response.status, 401, String(authorization));
      assert.equal(response.headers.get('www-authenticate'), 'Bearer');
      const body = (await response.json()) as { error: { code: number; reason: string } };
      assert.equal(body.error.code, 401);
      assert.doesNotMatch(JSON.stringify(body), new RegExp(ADMIN_KEY));
    }
  });

  it('never serves admin routes on the public port', async () => {
    for (const [method, path] of [
      ['GET', '/admin/identities'],
      ['POST', '/admin/identities'],
      ['GET', '/identities'],
      ['GET', '/admin/sessions'],
      ['DELETE', '/admin/sessions/6f8a3c40-4a3e-4e1c-8f0a-3f3f6b6b9c1d'],
      ['GET', '/api/v2/users'],
    ] as const) {
      const response = await fetch(`${server.publicUrl}${path}`, { method, headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' }, body: method === 'POST' ? '{}' : undefined });
      assert.equal(response.status, 404, `${method} ${path}`);
    }
  });
});

/** A request with a chosen `Host` header (fetch does not let a caller set it). */
function withHost(url: string, host: string | null, path: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const target = new URL(path, url);
    const req = httpRequest({ hostname: target.hostname, port: target.port, path: target.pathname + target.search, agent: false, setHost: host !== null, headers: host === null ? headers : { ...headers, host } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('admin API Host check (DNS rebinding)', () => {
  let server: TestServer;
  let port: string;
  before(async () => {
    server = await startTestServer(
      testConfig({ serve: { admin: { base_url: 'http://tessera-admin.example.net:4434/' } }, tessera: { admin: { api_key: ADMIN_KEY, allowed_hosts: ['tessera', '*.svc.cluster.local', 'Admin.Example.ORG'] } } }),
    );
    port = new URL(server.adminUrl).port;
  });
  after(async () => {
    await server.close();
  });

  const auth = { authorization: `Bearer ${ADMIN_KEY}` };

  it('answers loopback names, IP literals, its base URL host and the allowed names, on any port', async () => {
    const hosts = [
      `localhost:${port}`,
      'localhost',
      'LOCALHOST:1',
      `127.0.0.1:${port}`,
      `[::1]:${port}`,
      '[::1]',
      '10.1.2.3:4434',
      '[fd00::5]:80',
      `tessera-admin.example.net:${port}`,
      'tessera:4434',
      'tessera-admin.tessera.svc.cluster.local:4434',
      'admin.example.org',
    ];
    for (const host of hosts) assert.equal((await withHost(server.adminUrl, host, '/admin/identities', auth)).status, 200, host);
  });

  it('refuses any other Host with 421 in Kratos error JSON, before the API key is even looked at', async () => {
    const identity = await server.identities.createIdentity({ createIdentityBody: { schema_id: 'default', traits: { email: 'rebinding@example.org' } } });
    const foreign = [`evil.example:${port}`, 'evil.example', 'localhost.evil.example', 'localhost.', `tessera.evil.example:${port}`, 'svc.cluster.local', '127.0.0.1.nip.io', '2130706433'];
    for (const host of foreign) {
      for (const [path, headers] of [
        ['/admin/identities', auth],
        [`/identities/${identity.id}`, auth],
        ['/admin/sessions', {}],
      ] as const) {
        const response = await withHost(server.adminUrl, host, path, headers);
        assert.equal(response.status, 421, `${host} ${path}: ${response.body}`);
        const body = JSON.parse(response.body) as { error: { code: number; status: string; reason: string } };
        assert.equal(body.error.code, 421);
        assert.equal(body.error.status, 'Misdirected Request');
        assert.match(body.error.reason, /tessera\.admin\.allowed_hosts/);
        assert.ok(!response.body.includes('rebinding@example.org'), 'no admin data in the refusal');
      }
    }
    // Malformed names never get through either (node's parser or the URL check refuse them first).
    for (const host of ['evil.com:4434@localhost', '[::1', 'tessera admin', 'localhost:99999999']) {
      const response = await withHost(server.adminUrl, host, '/admin/identities', auth);
      assert.ok(response.status === 400 || response.status === 421, `${host}: ${response.status}`);
      assert.ok(!response.body.includes('rebinding@example.org'));
    }
    // Probes may use any name: health and version say nothing.
    assert.equal((await withHost(server.adminUrl, 'evil.example', '/health/ready')).status, 200);
    assert.equal((await withHost(server.adminUrl, 'evil.example', '/admin/health/alive')).status, 200);
  });

  it('leaves the public API alone: it answers whatever name it is called by', async () => {
    assert.equal((await withHost(server.publicUrl, 'evil.example', '/health/alive')).status, 200);
    assert.equal((await withHost(server.publicUrl, 'evil.example', '/self-service/login/api')).status, 200);
  });

  it('refuses an allowed_hosts entry that is not a host name, naming the key', () => {
    assert.throws(() => testConfig({ tessera: { admin: { allowed_hosts: ['http://tessera:4434'] } } }), /tessera\.admin\.allowed_hosts\.0/);
  });
});
