// test-stores: both
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/config/config-error.js';
import { createLogger } from '../../src/logging/logger.js';
import { buildOidcMethod } from '../../src/oidc/oidc-method.js';
import { tempDir, testConfig } from '../helpers/config.js';
import { templatePath } from '../helpers/oidc-broker.js';
import { RedirectBrowser } from '../helpers/redirect-browser.js';
import { startTestServer } from '../helpers/server.js';

/**
 * A malformed provider stops the start with a ConfigError that names the provider and the key; an upstream that
 * is merely unreachable does not (discovery is lazy, as in Kratos).
 */
const logger = createLogger('silent');
const provider = (extra: Record<string, unknown>): Record<string, unknown> => ({
  id: 'corp',
  provider: 'generic',
  client_id: 'tessera',
  client_secret: 'secret',
  issuer_url: 'https://login.example.com',
  mapper_url: templatePath('oidc/generic.jsonnet'),
  ...extra,
});
const configWith = (providers: Array<Record<string, unknown>>, extra: Record<string, unknown> = {}) =>
  testConfig({ selfservice: { methods: { oidc: { enabled: true, config: { providers } } } }, ...extra });

async function startError(providers: Array<Record<string, unknown>>, extra: Record<string, unknown> = {}): Promise<ConfigError> {
  try {
    await buildOidcMethod(configWith(providers, extra), logger);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error;
  }
  assert.fail('the start was not refused');
}

describe('upstream provider configuration', { timeout: 60_000 }, () => {
  it('refuses missing or misplaced settings, naming the provider and the key', async () => {
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ issuer_url: undefined }, 'selfservice.methods.oidc.config.providers.0.issuer_url', /provider "corp" \(generic\): issuer_url is required/],
      [{ provider: 'auth0', issuer_url: undefined }, 'selfservice.methods.oidc.config.providers.0.issuer_url', /issuer_url is required for the auth0 provider/],
      [{ provider: 'microsoft', issuer_url: undefined }, 'selfservice.methods.oidc.config.providers.0.microsoft_tenant', /microsoft_tenant is required/],
      [{ client_secret: undefined }, 'selfservice.methods.oidc.config.providers.0.client_secret', /client_secret is required/],
      [{ issuer_url: 'http://login.example.com' }, 'selfservice.methods.oidc.config.providers.0.issuer_url', /must be https/],
      [{ issuer_url: 'https://login.example.com/?tenant=1' }, 'selfservice.methods.oidc.config.providers.0.issuer_url', /not an http\(s\) URL/],
      [{ provider: 'github', claims_source: 'userinfo' }, 'selfservice.methods.oidc.config.providers.0.claims_source', /github has no ID token/],
      [{ subject_source: 'oid' }, 'selfservice.methods.oidc.config.providers.0.subject_source', /microsoft provider only/],
      [{ auth_url: 'https://login.example.com/authorize' }, 'selfservice.methods.oidc.config.providers.0.auth_url', /not used/],
      [{ mapper_url: 'file:///nonexistent/mapper.jsonnet' }, 'selfservice.methods.oidc.config.providers.0.mapper_url', /provider "corp": cannot read \/nonexistent\/mapper.jsonnet/],
    ];
    for (const [extra, keyPath, reason] of cases) {
      const error = await startError([provider(extra)]);
      assert.equal(error.keyPath, keyPath, JSON.stringify(extra));
      assert.match(error.reason, reason);
    }
  });

  it('refuses a mapper that does not parse, but not one that refuses the sample claims', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'broken.jsonnet'), '{ identity: ');
    writeFileSync(join(dir, 'picky.jsonnet'), "error 'only employees'");
    const error = await startError([provider({ mapper_url: `file://${join(dir, 'broken.jsonnet')}` })]);
    assert.match(error.reason, /provider "corp": the mapper does not parse: STATIC ERROR/);
    assert.ok(await buildOidcMethod(configWith([provider({ mapper_url: `file://${join(dir, 'picky.jsonnet')}` })]), logger));
  });

  it('refuses cipher secrets that are not 32 bytes', async () => {
    const error = await startError([provider({})], { secrets: { cipher: ['é'.repeat(32)] } });
    assert.equal(error.keyPath, 'secrets.cipher');
  });

  it('starts although a provider is unreachable (discovery is retried on use), and then answers 502', async () => {
    const server = await startTestServer(configWith([provider({ issuer_url: 'http://127.0.0.1:9' })]));
    try {
      // An SPA: the flow as JSON, then a JSON submit with the CSRF token and the browser's anti-CSRF cookie.
      const browser = new RedirectBrowser();
      const flow = (await (await browser.request(`${server.publicUrl}/self-service/login/browser`, { headers: { accept: 'application/json' } })).json()) as { id: string; ui: { nodes: Array<{ attributes: { name: string; value?: unknown } }> } };
      const csrf = String(flow.ui.nodes.find((n) => n.attributes.name === 'csrf_token')?.attributes.value);
      const response = await browser.request(`${server.publicUrl}/self-service/login?flow=${flow.id}`, {
        method: 'POST',
        headers: { accept: 'application/json', 'content-type': 'application/json' },
        body: JSON.stringify({ provider: 'corp', csrf_token: csrf }),
      });
      assert.equal(response.status, 502);
      assert.match(((await response.json()) as { error: { reason: string } }).error.reason, /Unable to initialize OpenID Connect Provider: discovery at http:\/\/127.0.0.1:9 failed/);
    } finally {
      await server.close();
    }
  });

  it('is off unless enabled, and the callback then answers 404', async () => {
    assert.equal(await buildOidcMethod(testConfig({ selfservice: { methods: { oidc: { config: { providers: [provider({})] } } } } }), logger), null);
    const server = await startTestServer();
    try {
      const response = await fetch(`${server.publicUrl}/self-service/methods/oidc/callback/corp?state=x&code=y`, { headers: { accept: 'application/json' } });
      assert.equal(response.status, 404);
      assert.match(((await response.json()) as { error: { reason: string } }).error.reason, /disabled by system administrator/);
    } finally {
      await server.close();
    }
  });
});
