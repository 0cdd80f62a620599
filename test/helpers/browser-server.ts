import { createServer } from 'node:net';
import { mergeDeep, testConfig } from './config.js';
import { startTestServer, type TestServer } from './server.js';

/** A port the OS says is free right now (a browser test needs the base URL before the server starts). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

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
