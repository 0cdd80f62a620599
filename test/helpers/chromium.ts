import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/**
 * Real headless Chromium for end-to-end tests: Debian's package, driven by playwright-core. CI machines are fresh
 * clones of the image, so the package is installed here when it is missing (the tests run as root); nothing is
 * downloaded by Playwright itself.
 */
export const CHROMIUM = '/usr/bin/chromium';

// The machine has no network beyond the package registries: without these, Chromium keeps trying to reach
// Google's services (updates, sync, QUIC probes) and slows everything down.
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export function ensureChromium(): void {
  if (existsSync(CHROMIUM)) return;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const steps: string[][] = [
    ['apt-get', '-o', 'DPkg::Lock::Timeout=600', 'update', '-qq'],
    ['apt-get', '-o', 'DPkg::Lock::Timeout=600', 'install', '-y', '-qq', 'chromium'],
  ];
  for (const step of steps) {
    const result = spawnSync(step[0] as string, step.slice(1), { env, stdio: ['ignore', 'ignore', 'pipe'], timeout: 15 * 60_000 });
    if (result.status !== 0) {
      throw new Error(`could not install Chromium (${step.join(' ')} exited ${result.status ?? result.signal}): ${result.stderr?.toString().slice(-2000) ?? ''}`);
    }
  }
  if (!existsSync(CHROMIUM)) throw new Error(`apt-get installed chromium but ${CHROMIUM} is missing`);
}

export interface HeadlessBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** A fresh profile every time (no cookies or cache from an earlier run); JavaScript can be switched off. */
export async function launchChromium(options: { javaScriptEnabled?: boolean } = {}): Promise<HeadlessBrowser> {
  ensureChromium();
  const profile = mkdtempSync(join(tmpdir(), 'tessera-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    javaScriptEnabled: options.javaScriptEnabled ?? true,
    timeout: 120_000,
  });
  context.setDefaultTimeout(30_000);
  return {
    context,
    async close() {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
