// test-stores: both
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { launchChromium, type HeadlessBrowser } from '../helpers/chromium.js';
import { startBrowserFlow, startOidcScenario, type OidcScenario } from '../helpers/oidc-broker.js';
import { RedirectBrowser } from '../helpers/redirect-browser.js';

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

/**
 * The browser variant of the account-linking takeover, in a real browser: the attacker's page (another site:
 * `localhost` against Tessera's `127.0.0.1`) auto-submits the attacker's account-linking flow with
 * `prompt=none`, in the browser of a victim who is signed in at the provider. Chromium applies SameSite itself.
 * Before the fix this ended on the welcome page with the attacker's upstream account linked to the victim.
 */
describe('a cross-site auto-submitted form in Chromium cannot confirm the attacker\'s account link', { timeout: 300_000 }, () => {
  let scenario: OidcScenario;
  let browser: HeadlessBrowser;
  let attackerSite: Server;

  before(async () => {
    scenario = await startOidcScenario();
    scenario.op.accounts.set('victim-up', { email: 'victim@example.org', email_verified: true, name: 'Victim' });
    scenario.op.accounts.set('mallory', { name: 'Mallory' });
    browser = await launchChromium({ javaScriptEnabled: true });
    attackerSite = createServer();
    await new Promise<void>((resolve) => attackerSite.listen(0, resolve));
  });
  after(async () => {
    await browser?.close();
    attackerSite?.close();
    await scenario?.close();
  });

  it('is refused as CSRF, and nothing is linked', async () => {
    // The victim signs up with her upstream account and stays signed in there.
    scenario.op.nextLogin = { sub: 'victim-up' };
    const page = await browser.context.newPage();
    await page.goto(`${scenario.base}self-service/login/browser`);
    await page.getByRole('button', { name: 'Sign in with Test OP' }).click();
    await page.waitForURL(`${scenario.base}ui/welcome`);
    const store = scenario.server.runtime.deps.store;
    const victimId = (await store.findIdentityByCredentialIdentifier('oidc', 'test-op:victim-up'))?.id;
    assert.ok(victimId);

    // The attacker, in his own browser: an upstream account without an email, the victim's address typed.
    const attacker = new RedirectBrowser();
    scenario.op.nextLogin = { sub: 'mallory' };
    const { id, csrf } = await startBrowserFlow(attacker, scenario.base, 'registration');
    const submitted = await attacker.postForm(`${scenario.base}self-service/registration?flow=${id}`, { csrf_token: csrf, provider: 'test-op', 'traits.email': 'victim@example.org' });
    const landed = new URL((await attacker.follow(`${scenario.base}self-service/registration?flow=${id}`, submitted)).url);
    assert.equal(landed.pathname, '/ui/login', 'an account-linking flow for the victim');
    const linkingFlow = landed.searchParams.get('flow') ?? '';

    const action = `${scenario.base}self-service/login?flow=${linkingFlow}`;
    attackerSite.on('request', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' }).end(
        `<!doctype html><form method="POST" action="${action}"><input name="provider" value="test-op"><input name="upstream_parameters.prompt" value="none"></form><script>document.forms[0].submit()</script>`,
      );
    });
    scenario.op.nextLogin = { sub: 'victim-up' };
    const attackerPage = `http://localhost:${(attackerSite.address() as AddressInfo).port}/`;
    const answer = page.waitForResponse((response) => response.url() === action);
    await page.goto(attackerPage);
    assert.equal((await answer).status(), 403, 'the forged submit is refused');
    await page.waitForLoadState('load');
    assert.notEqual(page.url(), `${scenario.base}ui/welcome`);
    assert.equal(await store.findIdentityByCredentialIdentifier('oidc', 'test-op:mallory'), null, 'nothing is linked to the victim');
    await page.close();
  });
});
