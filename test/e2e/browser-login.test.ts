// test-stores: both
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { startBrowserTestServer, type TestServerWithBase } from '../helpers/browser-server.js';
import { launchChromium, type HeadlessBrowser } from '../helpers/chromium.js';

/**
 * A person's whole loop in real Chromium, with JavaScript off to prove the pages need none: register (first with
 * a password that is too short), land signed in, see who they are, sign out, sign in again.
 */
const EMAIL = 'ada@example.org';
const PASSWORD = 'correct horse battery staple';

async function messagesOfField(page: Page, label: string): Promise<string> {
  const describedBy = await page.getByLabel(label, { exact: true }).getAttribute('aria-describedby');
  assert.ok(describedBy, `the ${label} field points at its messages`);
  return (await page.locator(`[id="${describedBy}"]`).textContent()) ?? '';
}

describe('the built-in pages in headless Chromium', { timeout: 300_000 }, () => {
  let server: TestServerWithBase;
  let browser: HeadlessBrowser;

  before(async () => {
    server = await startBrowserTestServer();
    browser = await launchChromium({ javaScriptEnabled: false });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('registers, shows the identity, logs out and logs in again', async () => {
    const page = await browser.context.newPage();
    const base = server.baseUrl;

    // Registration: the init endpoint redirects to the built-in page.
    await page.goto(`${base}self-service/registration/browser`);
    assert.match(page.url(), /\/ui\/registration\?flow=/);
    await page.getByLabel('E-Mail').fill(EMAIL);
    await page.getByLabel('Name').fill('Ada <Lovelace>');
    await page.getByLabel('Password').fill('short');
    await page.getByRole('button', { name: 'Sign up' }).click();

    // Too short: the message sits next to the password field, and what was typed is still there.
    await page.waitForURL(/\/ui\/registration\?flow=/);
    assert.match(await messagesOfField(page, 'Password'), /at least 8 characters/);
    assert.equal(await page.getByLabel('E-Mail').inputValue(), EMAIL);
    assert.equal(await page.getByLabel('Password').inputValue(), '', 'the password is not echoed back');

    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.waitForURL(`${base}ui/welcome`);

    const cookies = await browser.context.cookies(base);
    const session = cookies.find((c) => c.name === 'ory_kratos_session');
    assert.ok(session, 'signed in with a session cookie');
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Lax');
    assert.ok(cookies.some((c) => c.name.startsWith('csrf_token_') && c.httpOnly));

    assert.equal(await page.locator('[data-trait="email"]').textContent(), EMAIL);
    assert.equal(await page.locator('[data-trait="name"]').textContent(), 'Ada <Lovelace>');
    const identityId = await page.locator('[data-identity-id]').textContent();

    // whoami in the same browser: the cookie is the credential.
    await page.goto(`${base}sessions/whoami`);
    const whoami = JSON.parse((await page.locator('body').textContent()) ?? '{}') as { identity: { id: string; traits: { email: string } } };
    assert.equal(whoami.identity.id, identityId);
    assert.equal(whoami.identity.traits.email, EMAIL);

    // Sign out from the welcome page.
    await page.goto(`${base}ui/welcome`);
    await page.getByRole('link', { name: 'Sign out' }).click();
    await page.waitForURL(`${base}ui/welcome`);
    await page.getByText('You are not signed in').waitFor();
    assert.equal((await browser.context.cookies(base)).some((c) => c.name === 'ory_kratos_session'), false);

    // Sign in again; a wrong password first gets the form-wide message on top.
    await page.getByRole('link', { name: 'Sign in' }).click();
    await page.waitForURL(/\/ui\/login\?flow=/);
    await page.getByLabel('E-Mail').fill(EMAIL);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in with password' }).click();
    await page.waitForURL(/\/ui\/login\?flow=/);
    assert.match((await page.locator('#form-messages').textContent()) ?? '', /credentials are invalid/);

    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in with password' }).click();
    await page.waitForURL(`${base}ui/welcome`);
    assert.equal(await page.locator('[data-identity-id]').textContent(), identityId);
    await page.close();
  });
});
