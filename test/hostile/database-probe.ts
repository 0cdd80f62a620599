import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { sqlitePathFromDsn } from '../../src/store/sqlite/open-database.js';

/** Row counts that a failed request must leave exactly as they were. */
export interface Snapshot {
  identities: number;
  credentials: number;
  identifiers: number;
  sessions: number;
  activeSessions: number;
}

interface CountQuery {
  count(sql: string): Promise<number>;
  close(): Promise<void>;
}

/** The minimal surface of node-postgres used here (it is loaded only when a test runs on PostgreSQL). */
interface PgClient {
  connect(): Promise<void>;
  query(sql: string): Promise<{ rows: Array<{ n: string | number }> }>;
  end(): Promise<void>;
}

/**
 * A second connection on the test's database, independent of the store under test, for counting rows and
 * checking that credentials and identifiers belong together. Works on SQLite (read-only) and on PostgreSQL
 * (when test/run.mjs runs the file again with TEST_DSN_DIALECT=postgres); the SQL is common to both.
 */
export class DatabaseProbe {
  private constructor(
    private readonly db: CountQuery,
    private readonly sqlite: Database.Database | null,
  ) {}

  static async open(dsn: string): Promise<DatabaseProbe> {
    if (dsn.startsWith('postgres://') || dsn.startsWith('postgresql://')) {
      // A variable specifier: `pg` is a dependency only where the PostgreSQL store exists.
      const specifier = 'pg';
      const pg = (await import(specifier)) as { default: { Client: new (options: { connectionString: string }) => PgClient } };
      const client = new pg.default.Client({ connectionString: dsn });
      await client.connect();
      return new DatabaseProbe({ count: async (sql) => Number((await client.query(sql)).rows[0]?.n ?? 0), close: () => client.end() }, null);
    }
    const sqlite = new Database(sqlitePathFromDsn(dsn), { readonly: true });
    return new DatabaseProbe(
      {
        count: async (sql) => (sqlite.prepare(sql).get() as { n: number }).n,
        close: async () => void sqlite.close(),
      },
      sqlite,
    );
  }

  /** Runs a `select count(*) as n ...` written in the SQL both dialects share. */
  count(sql: string): Promise<number> {
    return this.db.count(sql);
  }

  async snapshot(): Promise<Snapshot> {
    const n = (sql: string): Promise<number> => this.db.count(sql);
    return {
      identities: await n('select count(*) as n from identities'),
      credentials: await n('select count(*) as n from identity_credentials'),
      identifiers: await n('select count(*) as n from identity_credential_identifiers'),
      sessions: await n('select count(*) as n from sessions'),
      activeSessions: await n('select count(*) as n from sessions where active'),
    };
  }

  /** Invariants that hold after any request, failed or not. */
  async assertConsistent(where = ''): Promise<void> {
    const n = (sql: string): Promise<number> => this.db.count(sql);
    assert.equal(
      await n(`select count(*) as n from identity_credential_identifiers x where not exists (select 1 from identity_credentials c where c.identity_id = x.identity_id and c.type = x.type)`),
      0,
      `an identifier without its credential ${where}`,
    );
    assert.equal(
      await n(`select count(*) as n from identity_credentials c where c.type = 'password' and not exists (select 1 from identity_credential_identifiers x where x.identity_id = c.identity_id and x.type = c.type)`),
      0,
      `a password credential without an identifier ${where}`,
    );
    // PostgreSQL enforces foreign keys on every statement; SQLite can be asked.
    if (this.sqlite) assert.deepEqual(this.sqlite.pragma('foreign_key_check'), [], `dangling references ${where}`);
  }

  close(): Promise<void> {
    return this.db.close();
  }
}
