// test-stores: both
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/logging/logger.js';
import { buildRuntime } from '../../src/runtime/build-deps.js';
import { maxHashingConcurrency, threadPoolSize } from '../../src/runtime/thread-pool.js';
import { testConfig } from '../helpers/config.js';

describe('password hashing and the libuv thread pool', () => {
  it('reads the pool size as libuv does', () => {
    assert.equal(threadPoolSize({}), 4);
    assert.equal(threadPoolSize({ UV_THREADPOOL_SIZE: '16' }), 16);
    assert.equal(threadPoolSize({ UV_THREADPOOL_SIZE: 'many' }), 4);
    assert.equal(threadPoolSize({ UV_THREADPOOL_SIZE: '0' }), 4);
    assert.equal(threadPoolSize({ UV_THREADPOOL_SIZE: '5000' }), 1024);
    assert.equal(maxHashingConcurrency(4), 2);
    assert.equal(maxHashingConcurrency(2), 1);
    assert.equal(maxHashingConcurrency(1), 1);
  });

  it('defaults hashing_concurrency to what the pool can spare', () => {
    const concurrency = loadConfig({ file: null, env: {} }).tessera.limits.hashing_concurrency;
    assert.ok(concurrency >= 1 && concurrency <= maxHashingConcurrency(threadPoolSize()), String(concurrency));
  });

  it('holds a larger configured value to the pool, and says how to raise it', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    });
    const config = testConfig({ tessera: { limits: { hashing_concurrency: 50 } } });
    const runtime = await buildRuntime(config, createLogger('warn', sink));
    try {
      const allowed = maxHashingConcurrency(threadPoolSize());
      // Start more hashes than allowed: exactly the surplus waits (read at once: these small hashes finish fast).
      const hashes = Array.from({ length: allowed + 3 }, (_, i) => runtime.deps.hasher.hash(`password number ${i}`));
      assert.equal(runtime.deps.hasher.queued, 3);
      await Promise.all(hashes);
      await new Promise((resolve) => setImmediate(resolve));
      const warning = lines.map((line) => JSON.parse(line) as Record<string, unknown>).find((line) => line.configured === 50);
      assert.ok(warning, lines.join('\n'));
      assert.equal(warning.used, allowed);
      assert.match(String(warning.msg), /UV_THREADPOOL_SIZE=52 or more/);
    } finally {
      await runtime.close();
    }
  });
});
