// test-stores: none
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/config/config-error.js';
import { parseDuration } from '../../src/config/duration.js';
import { loadConfig } from '../../src/config/load.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/config.js';

function writeConfig(yaml: string): string {
  const file = join(tempDir(), 'kratos.yml');
  writeFileSync(file, yaml);
  return file;
}

describe('kratos.yml loading', () => {
  it('loads the shipped kratos.yml with Kratos defaults', () => {
    const config = loadConfig({ file: 'kratos.yml', env: {} });
    assert.equal(config.serve.public.port, 4433);
    assert.equal(config.serve.admin.host, '127.0.0.1');
    assert.equal(config.serve.admin.port, 4434);
    assert.equal(config.selfservice.flows.login.lifespan, 3_600_000);
    assert.equal(config.session.lifespan, 24 * 3_600_000);
    assert.equal(config.session.cookie.name, 'ory_kratos_session');
    assert.equal(config.selfservice.methods.password.config.min_password_length, 8);
    assert.deepEqual(config.selfservice.flows.registration.after.password.hooks, [{ hook: 'session' }]);
    assert.deepEqual([...config.session.whoami.tokenizer.templates.keys()], ['postgrest', 'hasura']);
  });

  it('applies the Kratos env overrides', () => {
    const config = loadConfig({
      file: 'kratos.yml',
      env: { DSN: 'memory', SERVE_PUBLIC_PORT: '5555', SERVE_PUBLIC_BASE_URL: 'https://id.example.com', SERVE_ADMIN_PORT: '5556', LOG_LEVEL: 'debug' },
    });
    assert.equal(config.dsn, 'memory');
    assert.equal(config.serve.public.port, 5555);
    assert.equal(config.serve.public.base_url, 'https://id.example.com');
    assert.equal(config.serve.admin.port, 5556);
    assert.equal(config.log.level, 'debug');
  });

  it('names the key path and the reason for invalid values', () => {
    const cases: Array<[string, string, RegExp]> = [
      ['serve:\n  public:\n    port: 99999\n', 'serve.public.port', /must be <= 65535/],
      ['serve:\n  public:\n    prot: 1\n', 'serve.public.prot', /unknown key/],
      ['session:\n  lifespan: forever\n', 'session.lifespan', /pattern/],
      ['selfservice:\n  methods:\n    password:\n      config:\n        min_password_length: 3\n', 'selfservice.methods.password.config.min_password_length', /must be >= 6/],
      ['identity:\n  default_schema_id: nope\n', 'identity.default_schema_id', /no schema with id "nope"/],
      ['hashers:\n  argon2:\n    memory: lots\n', 'hashers.argon2.memory', /pattern/],
    ];
    for (const [yaml, keyPath, reason] of cases) {
      const file = writeConfig(yaml);
      assert.throws(
        () => loadConfig({ file, env: {} }),
        (error: unknown) => error instanceof ConfigError && error.keyPath === keyPath && reason.test(error.reason) && error.file === file,
        keyPath,
      );
    }
    assert.throws(() => loadConfig({ file: 'kratos.yml', env: { SERVE_PUBLIC_PORT: 'eighty' } }), /serve\.public\.port: must be integer/);
  });

  it('reports YAML syntax errors with the file', () => {
    const file = writeConfig('serve:\n  public: [unclosed\n');
    assert.throws(() => loadConfig({ file, env: {} }), (error: unknown) => error instanceof ConfigError && /invalid YAML/.test(error.reason));
  });

  it('parses Go durations', () => {
    assert.equal(parseDuration('1h30m'), 5_400_000);
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('1m'), 60_000);
    assert.throws(() => parseDuration('1 hour'));
  });

  it('stops `tessera serve` on a broken config with one line naming the file, key and reason, and no stack trace', () => {
    const file = writeConfig('serve:\n  admin:\n    port: -1\n');
    const result = runCli(['serve', '-c', file]);
    assert.equal(result.status, 1);
    assert.equal(result.stderr.trim(), `tessera: invalid configuration: ${file}: serve.admin.port: must be >= 0`);
    assert.doesNotMatch(result.stderr, /\n\s+at /);
  });

  it('refuses to expose the admin API off loopback without an API key', () => {
    const file = writeConfig(`dsn: memory\nserve:\n  admin:\n    host: 0.0.0.0\n    port: 0\n  public:\n    port: 0\n`);
    const result = runCli(['serve', '-c', file]);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /serve\.admin\.host: .*admin API key is required/);
  });
});
