// test-stores: none
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { stringify } from 'yaml';
import { ConfigError } from '../../src/config/config-error.js';
import { loadConfig } from '../../src/config/load.js';
import { notImplementedKeyPaths } from '../../src/config/not-implemented.js';
import { configSchema } from '../../src/config/schema.js';
import { tempDir } from '../helpers/config.js';

const dir = tempDir();
let written = 0;

/** Writes a kratos.yml holding `document` and returns its path. */
function writeConfig(document: Record<string, unknown>): string {
  const file = join(dir, `kratos-${(written += 1)}.yml`);
  writeFileSync(file, stringify(document));
  return file;
}

/** `{a: {b: [{c: value}]}}` for `a.b.0.c`. */
function documentWith(path: string, value: unknown): Record<string, unknown> {
  const segments = path.split('.');
  const root: Record<string, unknown> = {};
  let node: Record<string, unknown> | unknown[] = root;
  segments.forEach((segment, index) => {
    const last = index === segments.length - 1;
    const next = last ? value : /^[0-9]+$/.test(segments[index + 1] ?? '') ? [] : {};
    if (Array.isArray(node)) node[Number(segment)] = next;
    else node[segment] = next;
    node = next as Record<string, unknown> | unknown[];
  });
  return root;
}

function assertRefused(document: Record<string, unknown>, keyPath: string, reason: RegExp = /is not implemented yet$/): void {
  const file = writeConfig(document);
  assert.throws(
    () => loadConfig({ file, env: {} }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError, String(error));
      assert.equal(error.file, file);
      assert.equal(error.keyPath, keyPath);
      assert.match(error.reason, reason);
      assert.ok(error.message.startsWith(`${file}: ${keyPath}: `), error.message);
      return true;
    },
    keyPath,
  );
}

describe('Kratos keys Tessera does not implement', () => {
  it('refuses serve.public.cors and a web_hook hook, which earlier versions accepted and ignored', () => {
    assertRefused(documentWith('serve.public.cors', { enabled: true, allowed_origins: ['https://app.example.com'] }), 'serve.public.cors', /^CORS for the public API is not implemented yet$/);
    assertRefused(documentWith('serve.public.cors', { enabled: false }), 'serve.public.cors');
    const webHook = { hook: 'web_hook', config: { url: 'https://hooks.example.com/', method: 'POST' } };
    assertRefused(documentWith('selfservice.flows.registration.after.password.hooks', [{ hook: 'session' }, webHook]), 'selfservice.flows.registration.after.password.hooks.1.hook', /^the web_hook hook is not implemented yet$/);
    assertRefused(documentWith('selfservice.flows.login.after.oidc.hooks', [webHook]), 'selfservice.flows.login.after.oidc.hooks.0.hook', /web_hook/);
  });

  it('refuses the hooks other than `session`, which do nothing yet', () => {
    for (const hook of ['show_verification_ui', 'revoke_active_sessions', 'require_verified_address', 'verification', 'b2b_sso']) {
      for (const method of ['password', 'oidc']) {
        assertRefused(documentWith(`selfservice.flows.registration.after.${method}.hooks`, [{ hook }]), `selfservice.flows.registration.after.${method}.hooks.0.hook`, new RegExp(`the ${hook} hook`));
        assertRefused(documentWith(`selfservice.flows.login.after.${method}.hooks`, [{ hook }]), `selfservice.flows.login.after.${method}.hooks.0.hook`, new RegExp(`the ${hook} hook`));
      }
    }
    // An unknown hook name is a plain schema error.
    assertRefused(documentWith('selfservice.flows.registration.after.password.hooks', [{ hook: 'sesion' }]), 'selfservice.flows.registration.after.password.hooks.0.hook', /^must be "session"$/);
    const config = loadConfig({ file: writeConfig(documentWith('selfservice.flows.login.after.password.hooks', [])), env: {} });
    assert.deepEqual(config.selfservice.flows.login.after.password.hooks, []);
  });

  it('refuses every key the schema marks as not implemented, naming the file and the key path', () => {
    const listed = notImplementedKeyPaths(configSchema);
    for (const expected of ['serve.public.cors', 'serve.admin.tls', 'courier', 'selfservice.flows.settings', 'session.earliest_possible_extend', 'hashers.argon2.expected_duration', 'selfservice.methods.oidc.config.providers.0.apple_team_id']) {
      assert.ok(listed.some((entry) => entry.path === expected), `${expected} is listed`);
    }
    for (const { path, reason } of listed) {
      assertRefused(documentWith(path, { enabled: true }), path, new RegExp(`^${reason.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not implemented yet$`));
    }
  });

  it('refuses values that switch on what is not built, and accepts them switched off', () => {
    const refused: Array<[string, unknown]> = [
      ['selfservice.methods.totp.enabled', true],
      ['selfservice.methods.code.enabled', true],
      ['selfservice.methods.profile.enabled', true],
      ['selfservice.flows.recovery.enabled', true],
      ['selfservice.flows.verification.enabled', true],
      ['selfservice.methods.password.config.haveibeenpwned_enabled', true],
      ['hashers.algorithm', 'bcrypt'],
      ['log.format', 'text'],
      ['log.leak_sensitive_values', true],
    ];
    for (const [path, value] of refused) assertRefused(documentWith(path, value), path);
    assertRefused(documentWith('selfservice.methods.oidc.config.providers', [{ id: 'gl', provider: 'gitlab', client_id: 'c', mapper_url: 'file://m.jsonnet' }]), 'selfservice.methods.oidc.config.providers.0.provider', /"gitlab" provider/);

    const accepted = loadConfig({
      file: writeConfig({
        selfservice: {
          methods: { totp: { enabled: false }, webauthn: { enabled: false }, password: { config: { haveibeenpwned_enabled: false } } },
          flows: { recovery: { enabled: false }, verification: { enabled: false } },
        },
        log: { format: 'json', leak_sensitive_values: false },
        hashers: { algorithm: 'argon2' },
      }),
      env: {},
    });
    assert.equal(accepted.selfservice.methods.totp?.enabled, false);
  });

  it('refuses such a key set from the environment, naming the variable', () => {
    assert.throws(
      () => loadConfig({ file: null, env: { SERVE_PUBLIC_CORS_ENABLED: 'true' } }),
      (error: unknown) => error instanceof ConfigError && error.keyPath === 'serve.public.cors' && /SERVE_PUBLIC_CORS_ENABLED/.test(error.reason),
    );
    assert.throws(() => loadConfig({ file: null, env: { LOG_FORMAT: 'text' } }), (error: unknown) => error instanceof ConfigError && error.keyPath === 'log.format');
    // Variables of top-level Kratos sections are left alone: their names are used by other programs too.
    assert.equal(loadConfig({ file: null, env: { DATABASE_URL: 'postgres://elsewhere/db', TRACING_PROVIDER: 'jaeger' } }).dsn, 'sqlite://./data/tessera.db?_fk=true');
  });

  it('stops `tessera serve` on such a key with one line naming the file and the key', async () => {
    const { runCli } = await import('../helpers/cli.js');
    const file = writeConfig(documentWith('serve.public.cors', { enabled: true }));
    const result = runCli(['serve', '-c', file]);
    assert.equal(result.status, 1);
    assert.equal(result.stderr.trim(), `tessera: invalid configuration: ${file}: serve.public.cors: CORS for the public API is not implemented yet`);
  });
});
