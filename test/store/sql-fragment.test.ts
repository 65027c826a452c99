import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DuckDbDialect } from '../../src/store/duckdb/duckdb-dialect.js';
import { ident, join, raw, sql } from '../../src/store/index.js';
import { TABLES } from '../../src/store/schema.js';

const duck = new DuckDbDialect();

describe('sql fragments', () => {
  it('binds every interpolated value and quotes only whitelisted identifiers', () => {
    const evil = "x'; DROP TABLE events; --";
    const q = duck.compile(sql`SELECT ${ident('account_id')} FROM events WHERE action = ${evil} AND n > ${3}`);
    assert.equal(q.text, 'SELECT "account_id" FROM events WHERE action = $1 AND n > $2');
    assert.deepEqual(q.params, [evil, 3]);
  });

  it('refuses identifiers that are not plain snake_case names', () => {
    for (const bad of ['Account', 'a b', 'a"b', 'x;drop', '', '1abc']) assert.throws(() => ident(bad), /invalid identifier/);
  });

  it('nests fragments and joins lists, numbering parameters in order', () => {
    const cond = sql`plan = ${'pro'}`;
    const q = duck.compile(sql`SELECT ${join([ident('a'), ident('b')])} FROM t WHERE ${cond} AND seats > ${2} ${raw('ORDER BY a')}`);
    assert.equal(q.text, 'SELECT "a", "b" FROM t WHERE plan = $1 AND seats > $2 ORDER BY a');
    assert.deepEqual(q.params, ['pro', 2]);
  });

  it('binds dates as epoch milliseconds converted by the dialect', () => {
    const q = duck.compile(sql`SELECT ${new Date(Date.UTC(2025, 0, 1))}`);
    assert.equal(q.text, 'SELECT epoch_ms(CAST($1 AS BIGINT))');
    assert.deepEqual(q.params, [Date.UTC(2025, 0, 1)]);
  });

  it('renders table definitions with the dialect types and keys', () => {
    assert.equal(
      duck.createTable(TABLES.account_history),
      'CREATE TABLE IF NOT EXISTS "account_history" ("account_id" VARCHAR NOT NULL, "valid_from" TIMESTAMP NOT NULL, "plan" VARCHAR, "seats" INTEGER, "mrr" DOUBLE, "status" VARCHAR NOT NULL, PRIMARY KEY ("account_id", "valid_from"))',
    );
  });
});
