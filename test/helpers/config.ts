import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/types.js';
import { freshDatabaseDsn } from './postgres-cluster.js';

const scratchDirs = new Set<string>();

/** A scratch directory removed when the test process exits. */
export function tempDir(prefix = 'tessera-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  // One exit listener for all of them (one each would trip Node's listener-leak warning in a long file).
  if (scratchDirs.size === 0) process.once('exit', () => scratchDirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  scratchDirs.add(dir);
  return dir;
}

/**
 * A config for tests: a fresh SQLite file, the repository's identity schema, cheap argon2 parameters (the real
 * ones are exercised by the benchmark), and whatever the test overrides in kratos.yml terms.
 * With TEST_DSN_DIALECT=postgres (set by test/run.mjs for its PostgreSQL pass) the store is a fresh PostgreSQL
 * database instead, on the machine's cluster (test/helpers/postgres-cluster.ts).
 */
export function testConfig(overrides: Record<string, unknown> = {}, dir = tempDir()): Config {
  if (overrides.dsn === undefined) assertDeclaredOnBothStores();
  const base: Record<string, unknown> = {
    dsn: overrides.dsn === undefined && process.env.TEST_DSN_DIALECT === 'postgres' ? freshDatabaseDsn() : `sqlite://${join(dir, 'tessera.db')}?_fk=true`,
    serve: { public: { base_url: 'http://localhost:4433/', host: '127.0.0.1', port: 0 }, admin: { host: '127.0.0.1', port: 0 } },
    identity: { default_schema_id: 'default', schemas: [{ id: 'default', url: `file://${join(process.cwd(), 'templates/identity.schema.json')}` }] },
    selfservice: { flows: { registration: { after: { password: { hooks: [{ hook: 'session' }] } } } } },
    hashers: { argon2: { memory: '1MB', iterations: 1, parallelism: 1 } },
    log: { level: 'silent' },
  };
  return loadConfig({ file: null, env: {}, overrides: mergeDeep(base, overrides) });
}

/**
 * A store that follows the test pass is only for files that run in both passes: test/run.mjs lists them (the
 * files declaring `// test-stores: both`) in TEST_FILES_ON_BOTH_STORES. Node's test runner runs each file in a
 * process of its own with the file as `argv[1]`. Outside the runner (a file run directly) there is no list.
 */
function assertDeclaredOnBothStores(): void {
  const list = process.env.TEST_FILES_ON_BOTH_STORES;
  const file = process.argv[1];
  if (list === undefined || file === undefined) return;
  const own = relative(process.cwd(), file);
  if (!list.split('\n').includes(own)) {
    throw new Error(`${own} takes its store from testConfig(), which follows the test pass, but does not declare "// test-stores: both": it would never run on PostgreSQL`);
  }
}

export function mergeDeep(base: Record<string, unknown>, extra: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(extra)) {
    const existing = out[key];
    out[key] =
      typeof value === 'object' && value !== null && !Array.isArray(value) && typeof existing === 'object' && existing !== null && !Array.isArray(existing)
        ? mergeDeep(existing as Record<string, unknown>, value as Record<string, unknown>)
        : value;
  }
  return out;
}
