// test-stores: sqlite
import assert from 'node:assert/strict';
import { chmodSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { openStore } from '../../src/store/open-store.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/config.js';
import { anIdentity, aSession } from '../helpers/store-fixtures.js';
import { databaseFile, sqliteDsnIn } from '../helpers/sqlite-file.js';

const modeOf = (path: string): number => statSync(path).mode & 0o777;

/** Opens the store, writes (so that the -wal and -shm files exist) and returns the modes of the three files while it is open. */
async function modesWhileOpen(dir: string): Promise<Record<string, number>> {
  const store = await openStore(sqliteDsnIn(dir));
  try {
    await store.migrate();
    const identity = anIdentity();
    await store.createIdentity(identity, { session: aSession(identity.id) });
    const file = databaseFile(dir);
    return { db: modeOf(file), wal: modeOf(`${file}-wal`), shm: modeOf(`${file}-shm`) };
  } finally {
    await store.close();
  }
}

describe('the SQLite database files', () => {
  it('are created 0600, the database and its -wal and -shm files, in a folder created 0700', async () => {
    const dir = join(tempDir(), 'data');
    assert.deepEqual(await modesWhileOpen(dir), { db: 0o600, wal: 0o600, shm: 0o600 });
    assert.equal(modeOf(dir), 0o700);
  });

  it('are 0600 even when the process umask lets everyone read what it creates', async () => {
    const previous = process.umask(0);
    try {
      assert.deepEqual(await modesWhileOpen(tempDir()), { db: 0o600, wal: 0o600, shm: 0o600 });
    } finally {
      process.umask(previous);
    }
  });

  it('narrows a database file an earlier version left readable by others, and keeps its data', async () => {
    const dir = tempDir();
    const file = databaseFile(dir);
    const old = new Database(file);
    old.exec('create table kept (value text); insert into kept values (\'still here\')');
    old.close();
    chmodSync(file, 0o644);
    writeFileSync(`${file}-shm`, '');
    chmodSync(`${file}-shm`, 0o644);
    assert.deepEqual(await modesWhileOpen(dir), { db: 0o600, wal: 0o600, shm: 0o600 });
    const reopened = new Database(file, { readonly: true });
    try {
      assert.deepEqual(reopened.prepare('select value from kept').get(), { value: 'still here' });
    } finally {
      reopened.close();
    }
  });

  it('are created 0600 by `tessera migrate`', () => {
    const dir = tempDir();
    const result = runCli(['migrate'], { env: { DSN: sqliteDsnIn(dir) } });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(modeOf(databaseFile(dir)), 0o600);
  });
});
