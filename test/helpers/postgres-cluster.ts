import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';

/**
 * The machine's PostgreSQL 15 cluster (Debian `postgresql-15`, cluster `main`), started on demand for tests that
 * need a real database. Tests never share a database: each creates its own (and its own login role) with a
 * random name and drops both at the end. The cluster itself is left running, since other test processes may be
 * using it. We run as root, so superuser SQL goes through `runuser -u postgres -- psql` (peer authentication);
 * clients connect over TCP with a password (the cluster's pg_hba uses scram-sha-256 on 127.0.0.1).
 */
const VERSION = '15';
const CLUSTER = 'main';
const SOCKET_DIR = '/var/run/postgresql';
export const POSTGRES_HOST = '127.0.0.1';
export const POSTGRES_PORT = 5432;

/** Why PostgreSQL tests cannot run here, or null when they can. */
export function postgresUnavailableReason(): string | null {
  if (!existsSync('/usr/bin/pg_ctlcluster')) return 'PostgreSQL (pg_ctlcluster) is not installed';
  if (process.getuid?.() !== 0) return 'PostgreSQL tests start the cluster and need root (runuser -u postgres)';
  return null;
}

function isReady(): boolean {
  return spawnSync('pg_isready', ['-q', '-h', SOCKET_DIR, '-p', String(POSTGRES_PORT)]).status === 0;
}

/** Starts the cluster unless it runs already (another test process may be starting it at the same moment). */
export async function ensureCluster(timeoutMs = 30_000): Promise<void> {
  if (isReady()) return;
  // "already running" (exit 2) is fine: someone else won the race.
  spawnSync('pg_ctlcluster', [VERSION, CLUSTER, 'start'], { stdio: 'ignore' });
  const deadline = Date.now() + timeoutMs;
  while (!isReady()) {
    if (Date.now() > deadline) throw new Error(`PostgreSQL ${VERSION}/${CLUSTER} did not become ready within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Runs SQL as the `postgres` superuser; returns psql's unaligned, tuples-only output. */
export function superuserSql(sql: string, database = 'postgres'): string {
  return execFileSync('runuser', ['-u', 'postgres', '--', 'psql', '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-d', database, '-f', '-'], {
    input: sql,
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

export interface TestDatabase {
  name: string;
  /** A login role owning the database, with a random password. */
  owner: string;
  password: string;
  /** postgres://owner:password@127.0.0.1:5432/name */
  connectionString: string;
}

/** A random lower-case identifier safe to interpolate into SQL: `<prefix>_<hex>`. */
export function uniqueName(prefix = 'tessera_test'): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

/** Creates a fresh database owned by a fresh login role. */
export function createDatabase(name = uniqueName()): TestDatabase {
  assertIdentifier(name);
  const owner = `${name}_owner`;
  const password = randomBytes(18).toString('hex');
  superuserSql(`create role ${owner} login password '${password}';\ncreate database ${name} owner ${owner};`);
  return { name, owner, password, connectionString: connectionString(owner, password, name) };
}

/** Drops the database (closing what is still connected) and its owner role. */
export function dropDatabase(database: TestDatabase | string): void {
  const name = typeof database === 'string' ? database : database.name;
  assertIdentifier(name);
  superuserSql(`drop database if exists ${name} with (force);\ndrop role if exists ${name}_owner;`);
}

export function connectionString(user: string, password: string, database: string): string {
  return `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${POSTGRES_HOST}:${POSTGRES_PORT}/${encodeURIComponent(database)}`;
}

function assertIdentifier(name: string): void {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`not a safe SQL identifier: ${name}`);
}
