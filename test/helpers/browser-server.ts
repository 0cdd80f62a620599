import { mergeDeep, testConfig } from './config.js';
import { freePort } from './free-port.js';
import { startTestServer, type TestServer } from './server.js';

/**
 * A Tessera whose public base URL is where it really listens, so the redirects and cookies of browser flows
 * work for a real browser.
 */
export type TestServerWithBase = TestServer & { baseUrl: string };

export async function startBrowserTestServer(overrides: Record<string, unknown> = {}): Promise<TestServerWithBase> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}/`;
  const server = await startTestServer(testConfig(mergeDeep({ serve: { public: { base_url: baseUrl, port } } }, overrides)));
  return { ...server, baseUrl };
}
