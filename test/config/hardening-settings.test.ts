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

  it('reads the limits per identifier and address, on flow creation and on the hashing queue, with their defaults', () => {
    const defaults = loadConfig({ file: null, env: {} }).tessera;
    assert.deepEqual(defaults.rate_limits.login.per_identifier_and_ip, { limit: 10, window: 300_000 });
    assert.deepEqual(defaults.rate_limits.flow_creation.per_ip, { limit: 300, window: 300_000 });
    assert.equal(defaults.limits.hashing_queue_size, 128);
    const configured = loadConfig({
      file: null,
      env: {
        TESSERA_RATE_LIMITS_LOGIN_PER_IDENTIFIER_AND_IP_LIMIT: '4',
        TESSERA_RATE_LIMITS_LOGIN_PER_IDENTIFIER_AND_IP_WINDOW: '15m',
        TESSERA_RATE_LIMITS_FLOW_CREATION_PER_IP_LIMIT: '60',
        TESSERA_RATE_LIMITS_FLOW_CREATION_PER_IP_WINDOW: '1m',
        TESSERA_LIMITS_HASHING_QUEUE_SIZE: '0',
      },
    }).tessera;
    assert.deepEqual(configured.rate_limits.login.per_identifier_and_ip, { limit: 4, window: 900_000 });
    assert.deepEqual(configured.rate_limits.flow_creation.per_ip, { limit: 60, window: 60_000 });
    assert.equal(configured.limits.hashing_queue_size, 0);
  });

  it('names the key path of a bad limit, including a window given without its limit or duration', () => {
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ limits: { hashing_queue_size: -1 } }, 'tessera.limits.hashing_queue_size', /must be >= 0/],
      [{ limits: { hashing_queue_size: 'many' } }, 'tessera.limits.hashing_queue_size', /must be integer/],
      [{ rate_limits: { flow_creation: { per_ip: { limit: 0, window: '1m' } } } }, 'tessera.rate_limits.flow_creation.per_ip.limit', /must be >= 1/],
      [{ rate_limits: { flow_creation: { per_ip: { limit: 5 } } } }, 'tessera.rate_limits.flow_creation.per_ip.window', /is required/],
      [{ rate_limits: { login: { per_identifier_and_ip: { window: '1m' } } } }, 'tessera.rate_limits.login.per_identifier_and_ip.limit', /is required/],
      [{ rate_limits: { login: { per_identifier_and_ip: { limit: 3, window: 'soon' } } } }, 'tessera.rate_limits.login.per_identifier_and_ip.window', /pattern/],
    ];
    for (const [tessera, keyPath, reason] of cases) {
      assert.throws(
        () => loadConfig({ file: null, env: {}, overrides: { tessera } }),
        (error: unknown) => error instanceof ConfigError && error.keyPath === keyPath && reason.test(error.reason),
        keyPath,
      );
    }
  });
});
