// test-stores: both
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { launchChromium, type HeadlessBrowser } from '../helpers/chromium.js';
import { startOidcScenario, type OidcScenario } from '../helpers/oidc-broker.js';

/**
 * Upstream sign-in in real Chromium through the built-in pages, JavaScript off: the provider button on the
 * login page, the real OP (headless login), back through the callback, signed in on the welcome page, and
 * the session tokenized for PostgREST in the same browser.
 */
describe('upstream sign-in in headless Chromium', { timeout: 300_000 }, () => {
  let scenario: OidcScenario;
  let browser: HeadlessBrowser;

  before(async () => {
    scenario = await startOidcScenario();
    scenario.op.accounts.set('grace', { email: 'grace@example.org', email_verified: true, name: 'Grace Hopper' });
    scenario.op.nextLogin = { sub: 'grace' };
    browser = await launchChromium({ javaScriptEnabled: false });
  });
  after(async () => {
    await browser?.close();
    await scenario?.close();
  });

  it('signs up with the provider button and lands signed in', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${scenario.base}self-service/login/browser`);
    assert.match(page.url(), /\/ui\/login\?flow=/);
    await page.getByRole('button', { name: 'Sign in with Test OP' }).click();
    await page.waitForURL(`${scenario.base}ui/welcome`);
    assert.equal(await page.locator('[data-trait="email"]').textContent(), 'grace@example.org');
    assert.equal(await page.locator('[data-trait="name"]').textContent(), 'Grace Hopper');
    const cookies = await browser.context.cookies(scenario.base);
    assert.ok(cookies.some((c) => c.name === 'ory_kratos_session' && c.httpOnly));
    assert.equal(cookies.some((c) => c.name === 'ory_kratos_continuity'), false, 'the continuity cookie is cleared once used');

    await page.goto(`${scenario.base}sessions/whoami?tokenize_as=postgrest`);
    const whoami = JSON.parse((await page.locator('body').textContent()) ?? '{}') as { tokenized: string; identity: { id: string } };
    const { payload } = await jwtVerify(whoami.tokenized, createRemoteJWKSet(new URL(`${scenario.base}.well-known/jwks.json`)), { algorithms: ['EdDSA'] });
    assert.equal(payload.sub, whoami.identity.id);
    assert.deepEqual(payload.amr, ['oidc']);
    assert.equal(payload.idp, 'test-op');
    await page.close();
  });

  it('shows a denied sign-in as a message on the login page', async () => {
    scenario.op.nextLogin = { error: 'access_denied', description: 'Consent withheld' };
    // Signed out, as a new visitor.
    await browser.context.clearCookies();
    const page = await browser.context.newPage();
    await page.goto(`${scenario.base}self-service/login/browser`);
    await page.getByRole('button', { name: 'Sign in with Test OP' }).click();
    await page.waitForURL(/\/ui\/login\?flow=/);
    assert.match((await page.locator('#form-messages').textContent()) ?? '', /returned error "access_denied": Consent withheld/);
    await page.close();
  });
});
