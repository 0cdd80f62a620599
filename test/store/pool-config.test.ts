// test-stores: none
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { poolConfigFor } from '../../src/store/postgres/pool-config.js';

describe('PostgreSQL pool settings from a DSN and tessera.database', () => {
  const dsn = 'postgres://tessera:secret@db:5432/tessera?sslmode=disable';

  it('bounds the pool and every wait, with the statement timeout set on the server', () => {
    const config = poolConfigFor(dsn, { maxConnections: 7, statementTimeoutMs: 1_500 });
    assert.equal(config.connectionString, dsn);
    assert.equal(config.max, 7);
    assert.equal(config.statement_timeout, 1_500);
    assert.equal(config.idle_in_transaction_session_timeout, 1_500);
    assert.ok((config.query_timeout ?? 0) > 1_500, 'the client-side bound fires after the server-side one');
    assert.ok((config.connectionTimeoutMillis ?? 0) > 0);
    assert.equal(config.application_name, 'tessera');
  });

  it('takes the pool size from Kratos-style max_conns in the DSN first', () => {
    assert.equal(poolConfigFor(`${dsn}&max_conns=3&max_idle_conns=1`, { maxConnections: 20 }).max, 3);
    assert.equal(poolConfigFor(`${dsn}&max_conns=nonsense`, { maxConnections: 20 }).max, 20);
    assert.equal(poolConfigFor(dsn).max, 10);
  });

  it('turns the statement bounds off for a statement timeout of 0, as PostgreSQL does, but still bounds connecting', () => {
    const config = poolConfigFor(dsn, { statementTimeoutMs: 0 });
    assert.equal(config.statement_timeout, 0);
    assert.equal(config.query_timeout, undefined);
    assert.ok((config.connectionTimeoutMillis ?? 0) > 0);
  });

  it('rounds a fractional timeout up to whole milliseconds, which PostgreSQL requires', () => {
    assert.equal(poolConfigFor(dsn, { statementTimeoutMs: 0.5 }).statement_timeout, 1);
  });
});
