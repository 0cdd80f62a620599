// test-stores: both
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EXPIRED_FLOW_RETENTION_MS, runMaintenance } from '../../src/runtime/maintenance.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import type { NewSession } from '../../src/store/types.js';
import { runCli } from '../helpers/cli.js';
import { testConfig } from '../helpers/config.js';
import { inProcess } from '../helpers/in-process.js';
import { aFlow, anIdentity, aSession } from '../helpers/store-fixtures.js';

const HOUR = 3_600_000;

/** A migrated store on the test pass's database (SQLite file or PostgreSQL), with one identity. */
async function seededStore(): Promise<{ dsn: string; store: Store; identityId: string }> {
  const { dsn } = testConfig();
  const store = await openStore(dsn);
  await store.migrate();
  const identity = anIdentity();
  await store.createIdentity(identity);
  return { dsn, store, identityId: identity.id };
}

async function sessionsExpiredAgo(store: Store, identityId: string, agoMs: number[]): Promise<NewSession[]> {
  const now = Date.now();
  const sessions = agoMs.map((ago) => aSession(identityId, { expiresAt: new Date(now - ago), active: ago < 0 }));
  for (const session of sessions) await store.createSession(session, { countsAsLogin: false });
  return sessions;
}

/** Runs `tessera cleanup` on the DSN (the shipped kratos.yml otherwise, with its default rate-limit windows). */
function cleanup(dsn: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return runCli(['cleanup', ...args], { env: { DSN: dsn, LOG_LEVEL: 'silent' } });
}

describe('tessera cleanup', () => {
  it('--keep-last 0s removes every expired session, flow and stale rate-limit bucket, and nothing alive', async () => {
    const { dsn, store, identityId } = await seededStore();
    try {
      const expired = await sessionsExpiredAgo(store, identityId, [1_000, HOUR, 30 * 24 * HOUR]);
      const [live] = await sessionsExpiredAgo(store, identityId, [-HOUR]);
      const oldFlow = aFlow({ expiresAt: new Date(Date.now() - 1_000) });
      const liveFlow = aFlow({ expiresAt: new Date(Date.now() + HOUR) });
      for (const flow of [oldFlow, liveFlow]) await store.createFlow(flow);
      // The longest default window is 5m: a bucket is read for two windows, so one from an hour ago is stale.
      await store.hitRateLimit('stale-key', 60_000, new Date(Date.now() - HOUR));
      const liveAt = new Date();
      await store.hitRateLimit('live-key', 60_000, liveAt);

      const result = cleanup(dsn, '--keep-last', '0s');
      assert.equal(result.status, 0, result.stderr);
      assert.equal(result.stdout, 'sessions: 3 deleted\nflows: 1 deleted\nrate-limit-buckets: 1 deleted\n');
      for (const session of expired) assert.equal(await store.getSession(session.id), null);
      assert.equal((await store.getSession(live?.id ?? ''))?.id, live?.id);
      assert.ok(await store.findSessionByTokenHash(live?.tokenHash ?? ''), 'the live session still signs in');
      assert.equal(await store.getFlow(oldFlow.id), null);
      assert.ok(await store.getFlow(liveFlow.id));
      // At the same instant: the same bucket, whatever the clock did while the command ran.
      assert.equal(await store.hitRateLimit('live-key', 60_000, liveAt), 2, 'the live bucket kept its count');
      assert.ok(await store.getIdentity(identityId), 'identities are never touched');

      assert.equal(cleanup(dsn).stdout, 'sessions: 0 deleted\nflows: 0 deleted\nrate-limit-buckets: 0 deleted\n', 'a second run finds nothing');
    } finally {
      await store.close();
    }
  });

  it('--keep-last keeps what expired more recently than that, and --batch-size splits the work without leaving any behind', async () => {
    const { dsn, store, identityId } = await seededStore();
    try {
      const recent = await sessionsExpiredAgo(store, identityId, [10 * 60_000, 50 * 60_000]);
      const old = await sessionsExpiredAgo(store, identityId, [2 * HOUR, 3 * HOUR, 4 * HOUR, 5 * HOUR, 6 * HOUR]);
      const result = cleanup(dsn, '--keep-last', '1h', '--batch-size', '2', '--pause', '0s');
      assert.equal(result.status, 0, result.stderr);
      assert.match(result.stdout, /^sessions: 5 deleted$/m);
      for (const session of old) assert.equal(await store.getSession(session.id), null);
      for (const session of recent) assert.ok(await store.getSession(session.id));
    } finally {
      await store.close();
    }
  });

  it('refuses bad options with a one-line usage error', () => {
    for (const args of [['--keep-last', 'forever'], ['--keep-last=-1h'], ['--batch-size', '0'], ['--batch-size', 'many'], ['--pause', '1 second'], ['extra']]) {
      const result = runCli(['cleanup', ...args], { env: { DSN: 'memory' } });
      assert.equal(result.status, 1, args.join(' '));
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
      assert.match(result.stderr, /^tessera: /);
    }
  });
});

describe('built-in maintenance', () => {
  it('deletes sessions once they have been expired for tessera.cleanup.expired_session_retention, in batches', async () => {
    const t = await inProcess(testConfig({ tessera: { cleanup: { expired_session_retention: '1h', batch_size: 2 } } }));
    try {
      const identity = anIdentity();
      await t.deps.store.createIdentity(identity);
      const now = t.clock.now().getTime();
      const sessionAt = (expiresAt: number): NewSession => aSession(identity.id, { expiresAt: new Date(expiresAt) });
      const beyond = [sessionAt(now - 2 * HOUR), sessionAt(now - 3 * HOUR), sessionAt(now - 4 * HOUR)];
      const within = [sessionAt(now - 30 * 60_000), sessionAt(now + HOUR)];
      for (const session of [...beyond, ...within]) await t.deps.store.createSession(session, { countsAsLogin: false });
      await runMaintenance(t.deps);
      for (const session of beyond) assert.equal(await t.deps.store.getSession(session.id), null);
      for (const session of within) assert.ok(await t.deps.store.getSession(session.id));
      // Flows keep their own day of grace, whatever the session retention.
      const flow = aFlow({ expiresAt: new Date(now - 2 * HOUR) });
      await t.deps.store.createFlow(flow);
      await runMaintenance(t.deps);
      assert.ok(await t.deps.store.getFlow(flow.id));
      t.clock.advance(EXPIRED_FLOW_RETENTION_MS);
      await runMaintenance(t.deps);
      assert.equal(await t.deps.store.getFlow(flow.id), null);
    } finally {
      await t.close();
    }
  });

  it('keeps expired sessions for a week unless configured otherwise', () => {
    assert.equal(testConfig().tessera.cleanup.expired_session_retention, 7 * 24 * HOUR);
    assert.throws(() => testConfig({ tessera: { cleanup: { expired_session_retention: 'a week' } } }), /tessera\.cleanup\.expired_session_retention/);
    assert.throws(() => testConfig({ tessera: { cleanup: { batch_size: 0 } } }), /tessera\.cleanup\.batch_size/);
  });
});
