// test-stores: both
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/config/config-error.js';
import { loadConfig } from '../../src/config/load.js';
import { testConfig } from '../helpers/config.js';

describe('hardening settings in kratos.yml', () => {
  it('rejects a trusted proxy that is not an address or CIDR range, naming the entry', () => {
    for (const bad of ['proxy.internal', '10.0.0.0/33', '10.0.0.1/8/1', 'fd00::/129', '10.0.0.0/x']) {
      assert.throws(
        () => testConfig({ tessera: { trusted_proxies: ['127.0.0.1', bad] } }),
        (error: unknown) => error instanceof ConfigError && error.keyPath === 'tessera.trusted_proxies.1',
        bad,
      );
    }
    assert.deepEqual(testConfig({ tessera: { trusted_proxies: ['10.0.0.0/8', '192.0.2.1', 'fd00::/8', '::1'] } }).tessera.trusted_proxies, ['10.0.0.0/8', '192.0.2.1', 'fd00::/8', '::1']);
  });

  it('reads the shutdown grace period (default 10s) and the rate-limit switch from the environment', () => {
    assert.equal(loadConfig({ file: null, env: {} }).tessera.shutdown.grace_period, 10_000);
    const config = loadConfig({ file: null, env: { TESSERA_SHUTDOWN_GRACE_PERIOD: '2500ms', TESSERA_RATE_LIMITS_ENABLED: 'false' } });
    assert.equal(config.tessera.shutdown.grace_period, 2500);
    assert.equal(config.tessera.rate_limits.enabled, false);
    assert.throws(() => loadConfig({ file: null, env: { TESSERA_SHUTDOWN_GRACE_PERIOD: 'soon' } }), /tessera\.shutdown\.grace_period/);
  });
});
