/**
 * The ClickHouse dialect's two ways to bind a value: `{pN:Type}` parameters, and typed literals
 * from the one escaper (servers without parameters, such as 18.16). Both are checked by
 * round-tripping hostile values through real ClickHouse (chdb; a server too when
 * CAIRN_CLICKHOUSE_URL names one), plus the SQL text each dialect writes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Session } from 'chdb';
import { ClickHouseDialect } from '../../src/store/clickhouse/clickhouse-dialect.js';
import { chdbDriver, type ClickHouseDriver } from '../../src/store/clickhouse/clickhouse-driver.js';
import { clickHouseLiteral, quoteString } from '../../src/store/clickhouse/clickhouse-literal.js';
import { tsvRows } from '../../src/store/clickhouse/clickhouse-tsv.js';
import { DuckDbDialect } from '../../src/store/duckdb/duckdb-dialect.js';
import { ident, sql } from '../../src/store/index.js';
import { tempDir } from '../tmp.js';

const HOSTILE = [
  '',
  "it's",
  'back\\slash',
  "\\'; DROP TABLE events; --",
  'tab\there',
  'new\nline\r\n',
  'nul\0byte',
  '{p1:String}',
  'ünïcödé ✓ 😀',
  "''''",
  '\\',
  '\\\\n',
];
const NUMBERS = [0, 1, -1, 42, 2 ** 53 - 1, -(2 ** 53 - 1), 0.5, -3.25, 1e-7, 123456.789];

describe('ClickHouse binding', async () => {
  const session = new Session(await tempDir('cairn-chdb-'));
  const driver = chdbDriver(session, 'cairn_dialect_test');
  const servers: { name: string; driver: ClickHouseDriver }[] = [{ name: 'chdb', driver }];
  if (process.env.CAIRN_CLICKHOUSE_URL) {
    const { createClient } = await import('@clickhouse/client');
    const { httpDriver } = await import('../../src/store/clickhouse/clickhouse-driver.js');
    servers.push({ name: 'server', driver: httpDriver(createClient({ url: process.env.CAIRN_CLICKHOUSE_URL }) as never) });
  }

  for (const { name, driver: d } of servers) {
    for (const inline of [true, false]) {
      const dialect = new ClickHouseDialect({ queryParameters: !inline, jsonFunctions: true });
      const roundTrip = async (value: unknown) => {
        const q = dialect.compile(sql`SELECT ${value} AS v`);
        const params = inline ? {} : Object.fromEntries(q.params.map((v, i) => [`p${i + 1}`, v]));
        return (await d.query<{ v: unknown }>(q.text, params))[0].v;
      };
      // The server cannot take parameters (18.16): only the literal path runs there.
      if (name === 'server' && !inline && !(await d.query('SELECT {p1:UInt8} AS x', { p1: 1 }).then(() => true, () => false))) continue;

      it(`${name}, ${inline ? 'literals' : 'parameters'}: strings come back unchanged`, async () => {
        for (const s of HOSTILE) assert.equal(await roundTrip(s), s, JSON.stringify(s));
      });

      it(`${name}, ${inline ? 'literals' : 'parameters'}: numbers, null, dates and arrays keep their values`, async () => {
        for (const n of NUMBERS) assert.equal(Number(await roundTrip(n)), n, String(n));
        assert.equal(await roundTrip(null), null);
        assert.equal(Number(await roundTrip(new Date(Date.UTC(2025, 0, 2, 3, 4, 5, 6)))), Date.UTC(2025, 0, 2, 3, 4, 5, 6));
        assert.deepEqual(await roundTrip(HOSTILE), HOSTILE);
        assert.deepEqual((await roundTrip([1, 2, 3]) as unknown[]).map(Number), [1, 2, 3]);
        assert.deepEqual(await roundTrip([]), []);
      });
    }

    it(`${name}: tab-separated rows keep every value`, async () => {
      await d.command('CREATE TABLE IF NOT EXISTS tsv_check (s String, n Nullable(Int64), f Float64) ENGINE = Memory', {});
      await d.command('TRUNCATE TABLE tsv_check', {});
      await d.insertTsv('tsv_check', ['s', 'n', 'f'], tsvRows(HOSTILE.map((s, i) => [s, i % 3 === 0 ? null : i, i / 4])));
      const rows = await d.query<{ s: string; n: string | null; f: number }>('SELECT s, n, f FROM tsv_check', {});
      assert.deepEqual(
        rows.map((r) => [r.s, r.n === null ? null : Number(r.n), r.f]).sort(),
        HOSTILE.map((s, i) => [s, i % 3 === 0 ? null : i, i / 4]).sort(),
      );
    });
  }

  it('refuses values that have no safe literal', () => {
    for (const bad of [NaN, Infinity, { a: 1 }, [[1]], ['a', 1], Symbol('x')]) assert.throws(() => clickHouseLiteral(bad), /invalid bound/);
  });

  it('writes typed placeholders or typed literals, and each engine its own SQL for the same fragment', () => {
    const f = sql`SELECT ${ident('account_id')} FROM events WHERE action = ${"it's"} AND n > ${3} AND t < ${new Date(0)} AND x IN ${['a']}`;
    const params = new ClickHouseDialect({ queryParameters: true, jsonFunctions: true }).compile(f);
    assert.equal(params.text, 'SELECT "account_id" FROM events WHERE action = {p1:String} AND n > {p2:Int64} AND t < {p3:Int64} AND x IN {p4:Array(String)}');
    assert.deepEqual(params.params, ["it's", 3, 0, ['a']]);
    const literals = new ClickHouseDialect({ queryParameters: false, jsonFunctions: false }).compile(f);
    assert.equal(literals.text, `SELECT "account_id" FROM events WHERE action = 'it\\'s' AND n > CAST(3 AS Int64) AND t < CAST(0 AS Int64) AND x IN CAST(['a'] AS Array(String))`);
    assert.equal(quoteString('a\\b\nc'), "'a\\\\b\\nc'");
    const duck = new DuckDbDialect().compile(f);
    assert.equal(duck.text, 'SELECT "account_id" FROM events WHERE action = $1 AND n > $2 AND t < epoch_ms(CAST($3 AS BIGINT)) AND x IN $4');
  });

  it('writes the date hooks for each engine', () => {
    const ch = new ClickHouseDialect({ queryParameters: true, jsonFunctions: true });
    const duck = new DuckDbDialect();
    const text = (d: ClickHouseDialect | DuckDbDialect) => d.compile(sql`${d.addDays(d.day(sql`created_at`), 30)} ${d.diffDays(sql`a`, sql`b`)} ${d.monthStart(sql`day`)}`).text;
    assert.equal(text(duck), `CAST(CAST(created_at AS DATE) + to_days(CAST(30 AS INTEGER)) AS DATE) date_diff('day', a, b) CAST(date_trunc('month', day) AS DATE)`);
    assert.equal(text(ch), `addDays(toDate(toDateTime(intDiv(created_at, 1000), 'UTC')), 30) (toInt32(b) - toInt32(a)) toStartOfMonth(day)`);
  });
});
