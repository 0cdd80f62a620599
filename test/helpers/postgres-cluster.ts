import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { freePort } from './free-port.js';

/**
 * PostgreSQL for tests, on the Debian clusters of this machine image (PostgreSQL 15 installed and stopped; tests
 * run as root). The shared cluster (15/main) is started on first use and left running; every caller gets its own
 * databases, owned by a login role that connects over TCP with a password, as Tessera does in production. A test
 * that must stop and start PostgreSQL uses a scratch cluster of its own, so that other test files are unaffected.
 *
 * Setup is synchronous: it runs once per test file or per config (testConfig() is synchronous), and the exit
 * hook that drops what was created must be synchronous too. Stopping and starting a running server is not, so
 * that a test keeps serving requests while the database is down.
 */
export const TEST_ROLE = 'tessera_test';
export const TEST_PASSWORD = 'tessera_test';
const VERSION = '15';
const READY_TIMEOUT_MS = 60_000;
const execFileAsync = promisify(execFile);

export class PostgresCluster {
  private readonly databases = new Set<string>();

  constructor(
    readonly version: string,
    readonly name: string,
    readonly port: number,
  ) {}

  /** A DSN for one of this cluster's databases, as the test role, with a small pool (several test files share the server). */
  dsn(database: string, params: Record<string, string> = { sslmode: 'disable', max_conns: '4' }): string {
    const query = new URLSearchParams(params).toString();
    return `postgres://${TEST_ROLE}:${TEST_PASSWORD}@127.0.0.1:${this.port}/${database}${query ? `?${query}` : ''}`;
  }

  isRunning(): boolean {
    return spawnSync('pg_ctlcluster', [this.version, this.name, 'status'], { stdio: 'ignore' }).status === 0;
  }

  /**
   * Starts the cluster unless it runs already and waits until it accepts connections. Synchronous, for setup
   * code such as testConfig().
   */
  startNow(): void {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let failure = '';
    while (!this.isReady()) {
      // Another test process may be starting it at the same moment: a failed start is retried until the
      // cluster runs and accepts connections, whoever started it.
      if (!this.isRunning()) failure = spawnSync('pg_ctlcluster', [this.version, this.name, 'start'], { encoding: 'utf8' }).stderr;
      if (Date.now() > deadline) throw new Error(`PostgreSQL ${this.version}/${this.name} did not start on port ${this.port}: ${failure}`);
      sleepSync(200);
    }
  }

  /**
   * Starts the server and waits until it accepts connections, without blocking the event loop: a test that
   * restarts the database keeps sending requests meanwhile.
   */
  async start(): Promise<void> {
    await execFileAsync('pg_ctlcluster', [this.version, this.name, 'start']);
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (!(await this.isReadyAsync())) {
      if (Date.now() > deadline) throw new Error(`PostgreSQL ${this.version}/${this.name} is not ready on port ${this.port}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /**
   * Stops the server without waiting for clients, and without blocking the event loop: `fast` terminates
   * sessions (they see "terminating connection due to administrator command") and checkpoints; `immediate` kills
   * the server as a crash would, so the next start replays the WAL.
   */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    await execFileAsync('pg_ctlcluster', [this.version, this.name, 'stop', '-m', mode]);
  }

  /** Runs SQL as the superuser and returns psql's unaligned output. */
  psql(sqlText: string, database = 'postgres'): string {
    return execFileSync('runuser', ['-u', 'postgres', '--', 'psql', '-p', String(this.port), '-d', database, '-v', 'ON_ERROR_STOP=1', '-Atqc', sqlText], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
  }

  /** The login role tests connect as. Creating it races with other test processes, hence the exception handler. */
  ensureTestRole(): void {
    this.psql(
      `do $$ begin
         if not exists (select from pg_roles where rolname = '${TEST_ROLE}') then
           create role ${TEST_ROLE} login password '${TEST_PASSWORD}';
         end if;
       exception when duplicate_object or unique_violation then null;
       end $$`,
    );
  }

  /** A fresh, empty database owned by the test role; it is dropped when the process exits. */
  createDatabase(prefix = 'tessera_t'): string {
    const name = `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
    // template0: no session can be connected to it, which CREATE DATABASE requires of its template.
    this.psql(`create database ${name} owner ${TEST_ROLE} template template0`);
    this.databases.add(name);
    dropOnExit(this);
    return name;
  }

  dropDatabase(name: string): void {
    this.psql(`drop database if exists ${name} with (force)`);
    this.databases.delete(name);
  }

  /** Drops every database this process created (best effort: the cluster may be stopped or gone). */
  dropCreatedDatabases(): void {
    for (const name of [...this.databases]) {
      try {
        this.dropDatabase(name);
      } catch {
        this.databases.delete(name);
      }
    }
  }

  private isReady(): boolean {
    return spawnSync('pg_isready', ['-q', '-h', '127.0.0.1', '-p', String(this.port)]).status === 0;
  }

  private async isReadyAsync(): Promise<boolean> {
    try {
      await execFileAsync('pg_isready', ['-q', '-h', '127.0.0.1', '-p', String(this.port)]);
      return true;
    } catch {
      return false;
    }
  }
}

let shared: PostgresCluster | null = null;

/** The machine's PostgreSQL 15 cluster (15/main), started and with the test role. */
export function ensureCluster(): PostgresCluster {
  if (!shared) {
    const cluster = new PostgresCluster(VERSION, 'main', portOf(VERSION, 'main'));
    cluster.startNow();
    cluster.ensureTestRole();
    shared = cluster;
  }
  return shared;
}

/** A fresh database on the shared cluster; dropped when the process exits. */
export function createDatabase(prefix?: string): string {
  return ensureCluster().createDatabase(prefix);
}

export function dropDatabase(name: string): void {
  ensureCluster().dropDatabase(name);
}

/** The DSN of a database on the shared cluster. */
export function dsn(database: string, params?: Record<string, string>): string {
  return ensureCluster().dsn(database, params);
}

/** A DSN for a fresh database on the shared cluster: what `TEST_DSN_DIALECT=postgres` gives each test config. */
export function freshDatabaseDsn(): string {
  return dsn(createDatabase());
}

/**
 * A private cluster on a free port, for tests that stop and start the server. It is created and started here,
 * and stopped and removed when the process exits.
 */
export async function createScratchCluster(label = 'scratch'): Promise<PostgresCluster> {
  const name = `tessera_${label}_${process.pid}`;
  const port = await freePort();
  execFileSync(
    'pg_createcluster',
    [VERSION, name, '-p', String(port), '--start-conf=manual', '-o', 'max_connections=30', '-o', 'shared_buffers=16MB', '-o', 'fsync=on', '-o', 'synchronous_commit=on'],
    { stdio: 'pipe' },
  );
  process.once('exit', () => {
    spawnSync('pg_dropcluster', [VERSION, name, '--stop'], { stdio: 'ignore' });
  });
  const cluster = new PostgresCluster(VERSION, name, port);
  await cluster.start();
  cluster.ensureTestRole();
  return cluster;
}

function portOf(version: string, name: string): number {
  const line = execFileSync('pg_lsclusters', ['--no-header'], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .find((fields) => fields[0] === version && fields[1] === name);
  if (!line?.[2]) throw new Error(`no PostgreSQL cluster ${version}/${name} on this machine (pg_lsclusters)`);
  return Number(line[2]);
}

const clustersToClean = new Set<PostgresCluster>();
function dropOnExit(cluster: PostgresCluster): void {
  if (clustersToClean.size === 0) process.once('exit', () => clustersToClean.forEach((c) => c.dropCreatedDatabases()));
  clustersToClean.add(cluster);
}


function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
