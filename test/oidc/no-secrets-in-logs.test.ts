// test-stores: both
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TokenCipher } from '../../src/oidc/token-cipher.js';
import { CIPHER_SECRET, startBrowserFlow, startOidcScenario, type OidcScenario } from '../helpers/oidc-broker.js';
import { RedirectBrowser } from '../helpers/redirect-browser.js';

/**
 * Codes, states, upstream tokens, the client secret and session tokens never reach the logs, whether a sign-in
 * succeeds or fails (failures are logged with their reason).
 */
describe('upstream sign-in logs', { timeout: 120_000 }, () => {
  const lines: string[] = [];
  let scenario: OidcScenario;
  before(async () => {
    scenario = await startOidcScenario({ logLines: lines });
    scenario.op.accounts.set('logan', { email: 'logan@example.org', email_verified: true });
  });
  after(async () => {
    await scenario?.close();
  });

  it('contain no code, state, token or secret', async () => {
    const secrets: string[] = ['broker-secret'];
    scenario.op.nextLogin = { sub: 'logan' };
    for (const replay of [false, true]) {
      const browser = new RedirectBrowser();
      const { id: flowId, csrf } = await startBrowserFlow(browser, scenario.base, 'login');
      const submit = await browser.postForm(`${scenario.base}self-service/login?flow=${flowId}`, { csrf_token: csrf, provider: 'test-op' });
      const upstream = await browser.follow(`${scenario.base}self-service/login?flow=${flowId}`, submit, (u) => u.href.startsWith(scenario.callbackUrl('test-op')));
      const callback = new URL(upstream.stoppedAt ?? '');
      secrets.push(callback.searchParams.get('code') ?? 'missing', callback.searchParams.get('state') ?? 'missing');
      if (replay) callback.searchParams.set('code', secrets[1] ?? '');
      const done = await browser.navigate(callback.href);
      const session = browser.jar(scenario.base).get('ory_kratos_session');
      if (session) secrets.push(session);
      if (!replay) assert.ok(session, `signed in: ${done.url}`);
    }
    const stored = await scenario.server.runtime.deps.store.findIdentityByCredentialIdentifier('oidc', 'test-op:logan');
    const link = (stored?.credentials?.find((c) => c.type === 'oidc')?.config.providers as Array<Record<string, string>>)[0];
    const cipher = new TokenCipher([CIPHER_SECRET]);
    for (const key of ['initial_id_token', 'initial_access_token'] as const) secrets.push(cipher.decrypt(link?.[key] ?? '') ?? 'missing');

    const log = lines.join('');
    assert.ok(log.includes('OIDC sign-in failed upstream'), 'the failed replay is logged');
    assert.ok(secrets.every((s) => s !== 'missing'));
    for (const secret of secrets) assert.equal(log.includes(secret), false, `a secret leaked into the logs: ${secret.slice(0, 12)}…`);
  });
});
