// test-stores: sqlite
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CommitSync } from '../../src/store/sqlite/commit-sync.js';
import { openSqliteDatabase } from '../../src/store/sqlite/open-database.js';
import { tempDir } from '../helpers/config.js';

describe('SQLite commits without fsync for flows and rate-limit counters', () => {
  it('relaxes synchronous for the one write and restores FULL after it, even when the write fails', () => {
    const db = openSqliteDatabase(`sqlite://${join(tempDir(), 'sync.db')}`);
    try {
      db.exec('create table t (v text)');
      const level = (): number => Number(db.pragma('synchronous', { simple: true }));
      assert.equal(level(), 2, 'the connection commits with FULL');
      const commitSync = CommitSync.of(db);
      const seen = commitSync.relaxedFor(() => {
        db.prepare('insert into t values (?)').run('flow');
        return level();
      });
      assert.equal(seen, 1, 'NORMAL during the write: a WAL commit without fsync');
      assert.equal(level(), 2, 'FULL again for the identity and session writes that follow');
      assert.throws(() => commitSync.relaxedFor(() => db.prepare('insert into missing values (1)').run()), /no such table/);
      assert.equal(level(), 2);
      assert.equal((db.prepare('select count(*) as n from t').get() as { n: number }).n, 1);
    } finally {
      db.close();
    }
  });

  it('leaves a connection that is already at NORMAL as it is', () => {
    const db = openSqliteDatabase('memory');
    try {
      db.pragma('synchronous = NORMAL');
      assert.equal(CommitSync.of(db).relaxedFor(() => Number(db.pragma('synchronous', { simple: true }))), 1);
      assert.equal(Number(db.pragma('synchronous', { simple: true })), 1);
    } finally {
      db.close();
    }
  });
});
