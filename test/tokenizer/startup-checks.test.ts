// test-stores: both
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/config/config-error.js';
import { createLogger } from '../../src/logging/logger.js';
import { buildRuntime } from '../../src/runtime/build-deps.js';
import { tempDir, testConfig } from '../helpers/config.js';
import { base64Url, fileUrl, privateJwk, writeJwksFile } from '../helpers/tokenizer.js';

const root = tempDir();
/** A fresh folder per test, all removed with one exit hook. */
const tempSubDir = (): string => mkdtempSync(join(root, 't-'));

/** Builds a runtime with the given templates; returns the JSON log lines it wrote and the JWKS it would serve. */
async function startWithLogs(dir: string, templates: Record<string, unknown>, tessera: Record<string, unknown> = {}): Promise<{ logs: Array<Record<string, unknown>>; jwksBody: string }> {
  const logs: Array<Record<string, unknown>> = [];
  const logger = createLogger('info', { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
  const runtime = await buildRuntime(testConfig({ tessera, session: { whoami: { tokenizer: { templates } } } }, dir), logger);
  await runtime.close();
  return { logs, jwksBody: runtime.deps.keys?.jwksBody ?? '' };
}

const start = async (dir: string, templates: Record<string, unknown>, tessera: Record<string, unknown> = {}): Promise<Array<Record<string, unknown>>> =>
  (await startWithLogs(dir, templates, tessera)).logs;

/** Asserts that the start fails with a ConfigError at `keyPath` whose one-line message matches every pattern. */
async function startFails(dir: string, templates: Record<string, unknown>, keyPath: string, ...patterns: RegExp[]): Promise<void> {
  await assert.rejects(start(dir, templates), (error: unknown) => {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    assert.equal(error.keyPath, keyPath);
    assert.doesNotMatch(error.message, /\n/);
    for (const pattern of patterns) assert.match(error.message, pattern);
    return true;
  });
}

const keyFile = (dir: string, name = 'key.json'): string => fileUrl(writeJwksFile(dir, name, { keys: [privateJwk('EdDSA', 'k')] }));

describe('missing key files', () => {
  it('are generated once on first start (EdDSA, 0600, logged without key material) and never overwritten', async () => {
    const dir = tempSubDir();
    const path = join(dir, 'keys', 'postgrest.jwks.json');
    const templates = { postgrest: { jwks_url: fileUrl(path) }, again: { jwks_url: fileUrl(path) } };

    const firstLogs = await start(dir, templates);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    const written = JSON.parse(readFileSync(path, 'utf8')) as { keys: Array<Record<string, unknown>> };
    assert.equal(written.keys.length, 1);
    const key = written.keys[0] as Record<string, unknown>;
    assert.deepEqual([key.kty, key.crv, key.alg, key.use], ['OKP', 'Ed25519', 'EdDSA', 'sig']);
    assert.equal(typeof key.d, 'string');

    const generated = firstLogs.filter((line) => String(line.msg).startsWith('generated a signing key'));
    assert.equal(generated.length, 1, 'one log line for one generated file, even with two templates on it');
    assert.deepEqual([generated[0]?.template, generated[0]?.file, generated[0]?.kid, generated[0]?.alg], ['postgrest', path, key.kid, 'EdDSA']);
    const allLogs = JSON.stringify(firstLogs);
    assert.ok(!allLogs.includes(String(key.d)), 'the private key never reaches the log');
    assert.ok(!allLogs.includes('"d"'));

    const secondLogs = await start(dir, templates);
    assert.equal(secondLogs.filter((line) => String(line.msg).startsWith('generated a signing key')).length, 0);
    assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), written);
  });

  it('stop the start when generation is switched off', async () => {
    const dir = tempSubDir();
    await assert.rejects(start(dir, { t: { jwks_url: fileUrl(join(dir, 'absent.json')) } }, { keys: { generate_missing: false } }), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /template "t", key file .*absent\.json: does not exist; .*tessera keys generate/);
      return true;
    });
  });
});

describe('start-up checks of every template', () => {
  const jwksPath = 'session.whoami.tokenizer.templates.t.jwks_url';
  const mapperPath = 'session.whoami.tokenizer.templates.t.claims_mapper_url';

  it('accept inline base64:// keys and mappers', async () => {
    const dir = tempSubDir();
    const jwks = base64Url(JSON.stringify({ keys: [privateJwk('ES256', 'inline')] }));
    const { jwksBody } = await startWithLogs(dir, { t: { jwks_url: jwks, claims_mapper_url: base64Url('{ claims: { inline: true } }') } });
    assert.deepEqual((JSON.parse(jwksBody) as { keys: Array<{ kid: string }> }).keys.map((k) => k.kid), ['inline']);
  });

  it('warn about a key file that other users can read', async () => {
    const dir = tempSubDir();
    const path = writeJwksFile(dir, 'open.json', { keys: [privateJwk('EdDSA', 'open')] });
    chmodSync(path, 0o644);
    const logs = await start(dir, { t: { jwks_url: fileUrl(path) } });
    assert.ok(logs.some((line) => line.level === 40 && line.file === path && /readable by other users/.test(String(line.msg))));
    chmodSync(path, 0o600);
    assert.ok(!(await start(dir, { t: { jwks_url: fileUrl(path) } })).some((line) => /readable by other users/.test(String(line.msg))));
  });

  it('refuse an HS256 key, naming the template and file', async () => {
    const dir = tempSubDir();
    const path = writeJwksFile(dir, 'hmac.json', { keys: [{ kty: 'oct', k: 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA', alg: 'HS256' }] });
    await startFails(dir, { t: { jwks_url: fileUrl(path) } }, jwksPath, /template "t"/, new RegExp(`key file ${path}`), /"HS256" was given/, /shared secrets/);
  });

  it('refuse a first key without private part', async () => {
    const dir = tempSubDir();
    const { d: _d, ...publicOnly } = privateJwk('EdDSA', 'pub');
    const path = writeJwksFile(dir, 'public.json', { keys: [publicOnly] });
    await startFails(dir, { t: { jwks_url: fileUrl(path) } }, jwksPath, /Unable to sign JSON Web Token\. the first key/);
  });

  it('refuse an http(s) key URL, as Kratos does', async () => {
    await startFails(tempSubDir(), { t: { jwks_url: 'https://example.org/jwks.json' } }, jwksPath, /unsupported scheme "https:\/\/"/);
  });

  it('refuse a mapper with a syntax error, with the Jsonnet error on the same line', async () => {
    const dir = tempSubDir();
    const mapper = writeJwksFile(dir, 'broken.jsonnet', '{ claims: { a: } }');
    await startFails(dir, { t: { jwks_url: keyFile(dir), claims_mapper_url: fileUrl(mapper) } }, mapperPath, /template "t"/, new RegExp(`mapper ${mapper}`), /Unable to execute tokenizer JsonNet\./, /broken\.jsonnet:1/);
  });

  it('refuse a mapper that fails on a realistic session (metadata_public is null for most identities)', async () => {
    const dir = tempSubDir();
    const mapper = writeJwksFile(dir, 'role.jsonnet', "{ claims: { role: std.extVar('session').identity.metadata_public.role } }");
    await startFails(dir, { t: { jwks_url: keyFile(dir), claims_mapper_url: fileUrl(mapper) } }, mapperPath, /Unable to execute tokenizer JsonNet\./);
  });

  it('accept a mapper that reads optional traits, because every trait of the schema is in the sample', async () => {
    const dir = tempSubDir();
    const mapper = writeJwksFile(dir, 'name.jsonnet', "{ claims: { name: std.extVar('session').identity.traits.name } }");
    await start(dir, { t: { jwks_url: keyFile(dir), claims_mapper_url: fileUrl(mapper) } });
  });

  it('refuse a mapper without a claims object (Kratos panics here)', async () => {
    const dir = tempSubDir();
    const mapper = writeJwksFile(dir, 'no-claims.jsonnet', '{ notClaims: {} }');
    await startFails(dir, { t: { jwks_url: keyFile(dir), claims_mapper_url: fileUrl(mapper) } }, mapperPath, /Expected tokenizer JsonNet to return a claims object but it did not\./);
  });

  it('refuse a missing mapper file', async () => {
    const dir = tempSubDir();
    await startFails(dir, { t: { jwks_url: keyFile(dir), claims_mapper_url: fileUrl(join(dir, 'nope.jsonnet')) } }, mapperPath, /cannot be read/);
  });

  it('refuse two templates whose files hold different keys under one kid', async () => {
    const dir = tempSubDir();
    await assert.rejects(
      start(dir, { a: { jwks_url: keyFile(dir, 'a.json') }, b: { jwks_url: keyFile(dir, 'b.json') } }),
      (error: unknown) => error instanceof ConfigError && /kid "k" is used by template "a" for a different key/.test(error.message),
    );
  });
});
