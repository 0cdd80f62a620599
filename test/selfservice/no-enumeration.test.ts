// test-stores: both
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testConfig } from '../helpers/config.js';
import { loginViaApi, registerViaApi, uiMessageIds } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

describe('no user enumeration at login', () => {
  let server: TestServer;
  before(async () => {
    // Hashing must dominate the request time for the comparison to mean anything.
    server = await startTestServer(testConfig({ hashers: { argon2: { memory: '16MB', iterations: 2, parallelism: 1 } } }));
    await registerViaApi(server.publicUrl, 'known@example.org', 'known passphrase 77');
  });
  after(() => server.close());

  it('answers an unknown identifier and a wrong password with the same message and comparable time', async () => {
    const unknown: number[] = [];
    const wrong: number[] = [];
    for (let i = 0; i < 9; i++) {
      for (const [identifier, sink] of [['nobody@example.org', unknown], ['known@example.org', wrong]] as const) {
        const started = performance.now();
        const result = await loginViaApi(server.publicUrl, identifier, 'not the passphrase 1');
        sink.push(performance.now() - started);
        assert.equal(result.status, 400);
        assert.deepEqual(uiMessageIds(result.body), [4000006]);
      }
    }
    const ratio = median(unknown) / median(wrong);
    // An unknown account that skipped hashing would be several times faster; allow for a shared, noisy machine.
    assert.ok(ratio > 0.6 && ratio < 1.7, `median unknown ${median(unknown).toFixed(1)} ms vs wrong password ${median(wrong).toFixed(1)} ms`);
  });
});
