// test-stores: sqlite
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { tempDir } from '../helpers/config.js';
import { anIdentity, aSession } from '../helpers/store-fixtures.js';

/**
 * The SQLite store's whoami cache (src/store/sqlite/session-cache.ts): it may answer only while nothing was
 * committed since, by this connection, another connection, or another process.
 */
describe('SQLite whoami cache', () => {
  const dir = tempDir();
  const dsn = `sqlite://${join(dir, 'cache.db')}?_fk=true`;
  let store: SqliteStore;
  let other: SqliteStore;
  before(() => {
    store = new SqliteStore(dsn);
    other = new SqliteStore(dsn);
  });
  after(async () => {
    await store.close();
    await other.close();
  });

  async function seeded(): Promise<{ identityId: string; sessionId: string; tokenHash: string }> {
    const identity = anIdentity();
    const session = aSession(identity.id);
    await store.createIdentity(identity, { session });
    return { identityId: identity.id, sessionId: session.id, tokenHash: session.tokenHash };
  }

  it('answers an unchanged session with the same frozen object', async () => {
    const { tokenHash } = await seeded();
    const first = await store.findSessionByTokenHash(tokenHash);
    const second = await store.findSessionByTokenHash(tokenHash);
    assert.ok(first);
    assert.equal(second, first);
    assert.ok(Object.isFrozen(first) && Object.isFrozen(first.identity) && Object.isFrozen(first.identity.traits));
    assert.throws(() => {
      (first.identity.traits as Record<string, unknown>).email = 'changed@example.org';
    }, TypeError);
  });

  it('sees a session revoked through another connection on the next lookup', async () => {
    const { sessionId, tokenHash } = await seeded();
    assert.equal((await store.findSessionByTokenHash(tokenHash))?.active, true);
    assert.equal(await other.revokeSession(sessionId), true);
    assert.equal((await store.findSessionByTokenHash(tokenHash))?.active, false);
  });

  it('sees traits changed through its own connection on the next lookup', async () => {
    const { identityId, tokenHash } = await seeded();
    const before = await store.findSessionByTokenHash(tokenHash);
    assert.ok(before);
    const identity = await store.getIdentity(identityId);
    assert.ok(identity);
    await store.updateIdentity({ ...identity, traits: { ...identity.traits, email: 'renamed@example.org' }, updatedAt: new Date() });
    const after = await store.findSessionByTokenHash(tokenHash);
    assert.equal(after?.identity.traits.email, 'renamed@example.org');
  });

  it('sees a change committed by another process (the sqlite3 command line) on the next lookup', async (t) => {
    if (spawnSync('sh', ['-c', 'command -v sqlite3']).status !== 0) {
      // Same check through a second process of ours instead: node with better-sqlite3.
      const { identityId, tokenHash } = await seeded();
      await store.findSessionByTokenHash(tokenHash);
      const script = `const D=require('better-sqlite3');const db=new D(${JSON.stringify(join(dir, 'cache.db'))});db.prepare("update identities set state='inactive' where id=?").run(${JSON.stringify(identityId)});`;
      const result = spawnSync(process.execPath, ['-e', script], { cwd: process.cwd(), encoding: 'utf8' });
      assert.equal(result.status, 0, result.stderr);
      assert.equal((await store.findSessionByTokenHash(tokenHash))?.identity.state, 'inactive');
      t.diagnostic('sqlite3 is not installed: changed through node and better-sqlite3 in a child process');
      return;
    }
    const { identityId, tokenHash } = await seeded();
    await store.findSessionByTokenHash(tokenHash);
    const result = spawnSync('sqlite3', [join(dir, 'cache.db'), `update identities set state='inactive' where id='${identityId}'`], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    assert.equal((await store.findSessionByTokenHash(tokenHash))?.identity.state, 'inactive');
  });

  it('keeps at most its configured number of sessions, and none when set to 0', async () => {
    const small = new SqliteStore(dsn, { sessionCacheMaxEntries: 2 });
    const none = new SqliteStore(dsn, { sessionCacheMaxEntries: 0 });
    try {
      const hashes = [(await seeded()).tokenHash, (await seeded()).tokenHash, (await seeded()).tokenHash];
      for (const hash of hashes) {
        assert.ok(await small.findSessionByTokenHash(hash));
        assert.ok(await none.findSessionByTokenHash(hash));
      }
      assert.equal(small.cachedSessions, 2);
      assert.equal(none.cachedSessions, 0);
      const read = await none.findSessionByTokenHash(hashes[0] as string);
      assert.notEqual(await none.findSessionByTokenHash(hashes[0] as string), read);
      // Unknown tokens are not remembered.
      assert.equal(await small.findSessionByTokenHash('no-such-token-hash'), null);
      assert.equal(small.cachedSessions, 2);
    } finally {
      await small.close();
      await none.close();
    }
  });
});
