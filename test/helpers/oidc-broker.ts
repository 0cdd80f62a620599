import { join, resolve } from 'node:path';
import { createLogger } from '../../src/logging/logger.js';
import { freePort } from './free-port.js';
import { mergeDeep, tempDir, testConfig } from './config.js';
import { startTestOp, type TestOp, type TestOpOptions } from './oidc-provider.js';
import type { RedirectBrowser } from './redirect-browser.js';
import { startTestServer, type TestServer } from './server.js';

/**
 * Tessera with upstream sign-in against a real in-process OpenID Provider (oidc-provider.ts). Tessera's port
 * is picked first because the OP's client must know the exact redirect URI; the public base URL is where
 * Tessera really listens, so every redirect works for a scripted or real browser.
 */
export const CIPHER_SECRET = 'test-cipher-secret-32-bytes-long';

export interface OidcScenario {
  op: TestOp;
  server: TestServer;
  /** Tessera's public base URL, with a trailing slash. */
  base: string;
  callbackUrl(providerId: string): string;
  close(): Promise<void>;
}

export interface OidcScenarioOptions {
  /** Provider entries (kratos.yml terms); default: one `generic` provider `test-op` with the generic mapper. */
  providers?: (issuer: string) => Array<Record<string, unknown>>;
  /** Provider ids the OP's client accepts redirects for (default: those of `providers`). */
  op?: Omit<TestOpOptions, 'redirectUris'> & { redirectProviderIds?: string[] };
  /** More kratos.yml settings. */
  config?: Record<string, unknown>;
  /** Collects Tessera's log lines (JSON, debug level and up) here. */
  logLines?: string[];
}

export const templatePath = (name: string): string => `file://${resolve('templates', name)}`;

export function genericProvider(issuer: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id: 'test-op', provider: 'generic', label: 'Test OP', client_id: 'broker', client_secret: 'broker-secret', issuer_url: issuer, scope: ['email', 'profile'], mapper_url: templatePath('oidc/generic.jsonnet'), ...extra };
}

export async function startOidcScenario(options: OidcScenarioOptions = {}): Promise<OidcScenario> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}/`;
  const callbackUrl = (id: string): string => `${base}self-service/methods/oidc/callback/${id}`;
  const providersFor = options.providers ?? ((issuer: string) => [genericProvider(issuer)]);
  const ids = options.op?.redirectProviderIds ?? providersFor('http://127.0.0.1:1').map((p) => String(p.id));
  const op = await startTestOp({ ...options.op, redirectUris: ids.map(callbackUrl) });
  const dir = tempDir();
  const config = testConfig(
    mergeDeep(
      {
        serve: { public: { base_url: base, port } },
        secrets: { cipher: [CIPHER_SECRET] },
        selfservice: {
          allowed_return_urls: [base, 'com.example.app://callback'],
          methods: { oidc: { enabled: true, config: { providers: providersFor(op.issuer) } } },
          flows: { registration: { after: { oidc: { hooks: [{ hook: 'session' }] } } } },
        },
        session: {
          whoami: {
            tokenizer: {
              templates: {
                postgrest: { ttl: '5m', jwks_url: `file://${join(dir, 'postgrest.jwks.json')}`, claims_mapper_url: templatePath('postgrest-amr.jsonnet') },
              },
            },
          },
        },
      },
      options.config ?? {},
    ),
    dir,
  );
  let server: TestServer;
  try {
    const lines = options.logLines;
    const logger = lines ? createLogger('debug', { write: (line: string) => void lines.push(line) }) : undefined;
    server = await startTestServer(config, logger ? { logger } : {});
  } catch (error) {
    await op.close();
    throw error;
  }
  return {
    op,
    server,
    base,
    callbackUrl,
    async close() {
      await server.close();
      await op.close();
    },
  };
}

/**
 * A browser flow as its page sees it: the flow id the browser landed with, and the form's CSRF token (masked
 * for this browser's anti-CSRF cookie). Upstream sign-in submits are CSRF-checked (src/selfservice/strategy/oidc/submit.ts).
 */
export async function startBrowserFlow(browser: RedirectBrowser, base: string, kind: 'login' | 'registration'): Promise<{ id: string; csrf: string }> {
  const landed = await browser.navigate(`${base}self-service/${kind}/browser`);
  const id = new URL(landed.url).searchParams.get('flow') ?? '';
  return { id, csrf: await flowCsrfToken(browser, base, kind, id) };
}

/** The `csrf_token` node of a browser flow, as this browser reads it. */
export async function flowCsrfToken(browser: RedirectBrowser, base: string, kind: 'login' | 'registration', id: string): Promise<string> {
  const response = await browser.request(`${base}self-service/${kind}/flows?id=${id}`, { headers: { accept: 'application/json' } });
  const flow = (await response.json()) as { ui: { nodes: Array<{ attributes: { name: string; value?: unknown } }> } };
  return String(flow.ui.nodes.find((n) => n.attributes.name === 'csrf_token')?.attributes.value ?? '');
}
