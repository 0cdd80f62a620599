import { mkdirSync } from 'node:fs';
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
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  // FULL syncs the WAL on every commit: an acknowledged registration survives a power loss, not only a crash.
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  db.pragma('temp_store = MEMORY');
  return db;
}
