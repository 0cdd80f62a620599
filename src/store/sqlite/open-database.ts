import { chmodSync, closeSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';

/**
 * Opens the SQLite file named by a Kratos-style DSN: `sqlite://path/to/db.sqlite?_fk=true`, `sqlite:///abs/path`,
 * or `memory` (a private in-memory database). Query parameters are accepted for compatibility; foreign keys are
 * always on.
 */
export function sqlitePathFromDsn(dsn: string): string {
  if (dsn === 'memory' || dsn === 'sqlite://:memory:' || dsn.startsWith('sqlite://file::memory:')) return ':memory:';
  if (!dsn.startsWith('sqlite://')) throw new Error(`not a SQLite DSN: ${dsn.split('?')[0]}`);
  const withoutScheme = dsn.slice('sqlite://'.length);
  const path = withoutScheme.split('?')[0] ?? '';
  if (path === '') throw new Error('the SQLite DSN has no path (use sqlite://./data/tessera.db?_fk=true)');
  return resolve(decodeURIComponent(path));
}

export function openSqliteDatabase(dsn: string): Database.Database {
  const path = sqlitePathFromDsn(dsn);
  if (path !== ':memory:') createOwnerOnly(path);
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  // FULL syncs the WAL on every commit: an acknowledged registration survives a power loss, not only a crash.
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  db.pragma('temp_store = MEMORY');
  return db;
}

/**
 * The database holds password hashes and session token hashes: it is readable by its owner only. SQLite creates
 * a new database file 0644 (SQLITE_DEFAULT_FILE_PERMISSIONS, less the umask), and its `-wal` and `-shm` files
 * with the mode of the database file (findCreateFileMode in sqlite3's os_unix.c). So the file is created here
 * first, 0600, and the two others follow it whatever the umask. A file an earlier version created 0644 is
 * narrowed to 0600, with the `-wal` and `-shm` files that exist next to it; a folder created here is 0700.
 */
function createOwnerOnly(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  // Only a missing file is opened here ('wx'): closing a descriptor of a database file that this process has open
  // would drop that connection's POSIX locks (https://sqlite.org/howtocorrupt.html, section 2.2).
  try {
    closeSync(openSync(path, 'wx', 0o600));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    try {
      if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
    } catch (error) {
      // Missing (no -wal yet), or owned by someone else (then it is theirs to keep as it is).
      if (!['ENOENT', 'EPERM'].includes(String((error as NodeJS.ErrnoException).code))) throw error;
    }
  }
}
