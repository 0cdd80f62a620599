import { join } from 'node:path';

/** The SQLite file of a test's scratch directory, and its DSN. */
export function databaseFile(dir: string): string {
  return join(dir, 'tessera.db');
}

export function sqliteDsnIn(dir: string): string {
  return `sqlite://${databaseFile(dir)}?_fk=true`;
}
