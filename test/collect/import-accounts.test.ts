import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { importAccountHistory, importAccounts } from '../../src/collect/index.js';
import { describeEngines } from '../engines.js';
import { sql, type SqlFragment } from '../../src/store/index.js';
import { tempDir } from '../tmp.js';

// ClickHouse wraps an integer that overflows its column; a two-digit decimal refuses it. A
// cluster is left out: its column types live on every shard, out of this store's reach (the
// refusal path is the import's own code, the same on every engine).
const NARROW_CLICKHOUSE = sql`ALTER TABLE accounts_data MODIFY COLUMN seats Nullable(Decimal(2, 0))`;
const NARROW_SEATS: Record<string, SqlFragment> = {
  duckdb: sql`ALTER TABLE accounts ALTER seats SET DATA TYPE TINYINT`,
  'clickhouse-chdb': NARROW_CLICKHOUSE,
  'clickhouse-server': NARROW_CLICKHOUSE,
};

describeEngines('importAccounts / importAccountHistory', async (engine) => {
  const dir = await tempDir();
  const store = await engine.open();

  it('imports accounts, quarantining bad rows with file and line', async () => {
    const file = join(dir, 'accounts.csv');
    await writeFile(
      file,
      [
        'account_id,name,created_at,plan,seats,churned_at',
        'acc_1,"Acme, Inc",2025-01-02,pro,4,',
        'acc_2,Globex,2025-01-03T10:00:00Z,starter,1,2025-06-01',
        'acc_3,Bad seats,2025-01-04,pro,many,',
        ',No id,2025-01-05,pro,1,',
        'acc_4,Short row',
      ].join('\n'),
    );
    assert.deepEqual(await importAccounts(store, file), { imported: 2, quarantined: 3, lines: 6 });
    const q = await store.query<{ kind: string; file: string; line: string; reason: string; field: string | null }>(
      sql`SELECT kind, file, line, reason, field FROM quarantine ORDER BY line`,
    );
    assert.deepEqual(
      q.map((r) => [r.kind, r.file, Number(r.line), r.reason, r.field]),
      [
        ['account', 'accounts.csv', 4, 'invalid_field', 'seats'],
        ['account', 'accounts.csv', 5, 'missing_field', 'account_id'],
        ['account', 'accounts.csv', 6, 'invalid_row', null],
      ],
    );
    const rows = await store.query(sql`SELECT account_id, name, seats, CASE WHEN churned_at IS NOT NULL THEN 'yes' ELSE 'no' END AS churned FROM accounts ORDER BY account_id`);
    assert.deepEqual(rows, [
      { account_id: 'acc_1', name: 'Acme, Inc', seats: 4, churned: 'no' },
      { account_id: 'acc_2', name: 'Globex', seats: 1, churned: 'yes' },
    ]);
  });

  it('a value beyond what the store holds (seats=3000000000) is quarantined; the other rows are imported', async () => {
    const own = await engine.open();
    const accounts = join(dir, 'big-seats.csv');
    await writeFile(accounts, 'account_id,name,created_at,plan,seats,churned_at\nacc_a,A,2025-01-02,pro,3,\nacc_b,B,2025-01-02,pro,3000000000,\nacc_c,C,2025-01-02,pro,5,\n');
    assert.deepEqual(await importAccounts(own, accounts), { imported: 2, quarantined: 1, lines: 4 });
    const history = join(dir, 'big-history.csv');
    await writeFile(history, 'account_id,valid_from,plan,seats,mrr,status\nacc_a,2025-01-02,pro,3000000000,10,active\nacc_a,2025-02-01,pro,4,1e400,active\nacc_a,2025-03-01,pro,4,40,active\n');
    assert.deepEqual(await importAccountHistory(own, history), { imported: 1, quarantined: 2, lines: 4 });
    const q = await own.query<{ file: string; line: string; field: string; reason: string; payload: string }>(sql`SELECT file, line, field, reason, payload FROM quarantine ORDER BY file, line`);
    assert.deepEqual(
      q.map((r) => [r.file, Number(r.line), r.field, r.reason, r.payload]),
      [
        ['big-history.csv', 2, 'seats', 'invalid_field', 'acc_a,2025-01-02,pro,3000000000,10,active'],
        ['big-history.csv', 3, 'mrr', 'invalid_field', 'acc_a,2025-02-01,pro,4,1e400,active'],
        ['big-seats.csv', 3, 'seats', 'invalid_field', 'acc_b,B,2025-01-02,pro,3000000000,'],
      ],
    );
    assert.deepEqual((await own.query<{ account_id: string }>(sql`SELECT account_id FROM accounts ORDER BY account_id`)).map((r) => r.account_id), ['acc_a', 'acc_c']);
  });

  const narrow = NARROW_SEATS[engine.name];
  if (narrow) it('a row the store refuses anyway is quarantined as store_rejected, the rest of its batch imported', async () => {
    const own = await engine.open();
    // A column narrower than the model's bound stands for any value a store may refuse.
    await own.execute(narrow);
    const file = join(dir, 'narrow.csv');
    await writeFile(file, 'account_id,name,created_at,plan,seats,churned_at\nacc_a,A,2025-01-02,pro,3,\nacc_b,B,2025-01-02,pro,300,\nacc_c,C,2025-01-02,pro,5,\n');
    assert.deepEqual(await importAccounts(own, file), { imported: 2, quarantined: 1, lines: 4 });
    const [q] = await own.query<{ line: string; reason: string; message: string; payload: string }>(sql`SELECT line, reason, message, payload FROM quarantine`);
    assert.equal(q.reason, 'store_rejected');
    assert.equal(Number(q.line), 3);
    assert.equal(q.payload, 'acc_b,B,2025-01-02,pro,300,');
    // DuckDB's words name the value; ClickHouse's the digits it found (3 > 2).
    assert.match(q.message, engine.name === 'duckdb' ? /^the store refused it: .*300/ : /^the store refused it: .*(Too many digits|decimal)/i);
  });

  it('one malformed CSV row is one quarantine entry holding the row whole; the rest of the file is imported', async () => {
    const own = await engine.open();
    const file = join(dir, 'malformed.csv');
    const rows = [
      'account_id,name,created_at,plan,seats,churned_at', //           1
      'acc_1,One,2025-01-02,pro,1,', //                               2
      'x"a"b"c,Two,2025-01-02,pro,1,', //                             3  a quote inside an unquoted field
      'acc_3,"Three ""3"", Inc",2025-01-02,pro,1,', //                4  quoted, with "" and a comma
      'acc_4,"Four"x,2025-01-02,pro,1,', //                           5  text after a closing quote
      'acc_5,"Five, never closed,2025-01-02,pro,1,', //               6  a quote that never closes
      'acc_6,Six,2025-01-02,pro,1,', //                               7
      'acc_7,"Seven\r\nover two lines",2025-01-02,pro,1,', //       8-9 a line break inside quotes
      'acc_9,Nine,2025-01-02,pro,1', //                              10  a column short
      'acc_10,"Ten",2025-01-02,pro,1,', //                           11
    ];
    await writeFile(file, '\ufeff' + rows.join('\r\n') + '\r\n');
    assert.deepEqual(await importAccounts(own, file), { imported: 4, quarantined: 5, lines: 11 });
    const q = await own.query<{ line: string; reason: string; message: string; payload: string }>(sql`SELECT line, reason, message, payload FROM quarantine ORDER BY line`);
    assert.deepEqual(
      q.map((r) => [Number(r.line), r.reason, r.payload]),
      [
        [3, 'invalid_row', 'x"a"b"c,Two,2025-01-02,pro,1,'],
        [5, 'invalid_row', 'acc_4,"Four"x,2025-01-02,pro,1,'],
        [6, 'invalid_row', 'acc_5,"Five, never closed,2025-01-02,pro,1,'],
        // Read whole over its two lines; a name holding a line break breaks the text rule.
        [8, 'invalid_text', 'acc_7,"Seven\r\nover two lines",2025-01-02,pro,1,'],
        [10, 'invalid_row', 'acc_9,Nine,2025-01-02,pro,1'],
      ],
    );
    assert.match(q[0].message, /column 1: a quote inside an unquoted field/);
    assert.match(q[1].message, /column 2: a quoted field must end at its closing quote, got "x"/);
    assert.match(q[2].message, /a quoted field opens on this line and does not close/);
    assert.match(q[4].message, /expected 6 columns \(account_id,name,created_at,plan,seats,churned_at\), got 5/);
    const stored = await own.query<{ account_id: string; name: string }>(sql`SELECT account_id, name FROM accounts ORDER BY account_id`);
    assert.deepEqual(stored, [
      { account_id: 'acc_1', name: 'One' },
      { account_id: 'acc_10', name: 'Ten' },
      { account_id: 'acc_3', name: 'Three "3", Inc' },
      { account_id: 'acc_6', name: 'Six' },
    ]);
  });

  it('account_id, name and plan with control characters (ESC, BEL) are quarantined like any text field', async () => {
    const own = await engine.open();
    const file = join(dir, 'control.csv');
    await writeFile(file, 'account_id,name,created_at,plan,seats,churned_at\nacc_\u001b]0;pwned-title\u0007,A,2025-01-02,pro,1,\nacc_2,\u001b[31mred,2025-01-02,pro,1,\nacc_3,C,2025-01-02,p\u0000ro,1,\nacc_4,D,2025-01-02,pro,1,\n');
    assert.deepEqual(await importAccounts(own, file), { imported: 1, quarantined: 3, lines: 5 });
    const q = await own.query<{ field: string; reason: string }>(sql`SELECT field, reason FROM quarantine ORDER BY line`);
    assert.deepEqual(q.map((r) => [r.field, r.reason]), [['account_id', 'invalid_text'], ['name', 'invalid_text'], ['plan', 'invalid_text']]);
  });

  it('re-importing a corrected file replaces accounts rather than adding them', async () => {
    const file = join(dir, 'accounts2.csv');
    await writeFile(file, 'account_id,name,created_at,plan,seats,churned_at\nacc_1,Acme,2025-01-02,premium,9,\n');
    await importAccounts(store, file);
    const rows = await store.query(sql`SELECT account_id, plan, seats FROM accounts ORDER BY account_id`);
    assert.deepEqual(rows[0], { account_id: 'acc_1', plan: 'premium', seats: 9 });
    assert.equal(rows.length, 2);
  });

  it('imports account history keyed by account and date', async () => {
    const file = join(dir, 'history.csv');
    await writeFile(
      file,
      [
        'account_id,valid_from,plan,seats,mrr,status',
        'acc_1,2025-01-02,pro,4,196,active',
        'acc_1,2025-03-01,pro,6,294,active',
        'acc_1,2025-05-01,pro,6,294,gone',
        'acc_2,2025-06-01,starter,1,0,churned',
      ].join('\n'),
    );
    assert.deepEqual(await importAccountHistory(store, file), { imported: 3, quarantined: 1, lines: 5 });
    assert.deepEqual(await importAccountHistory(store, file), { imported: 3, quarantined: 1, lines: 5 });
    const [{ n }] = await store.query<{ n: string }>(sql`SELECT count(*) AS n FROM account_history`);
    assert.equal(Number(n), 3, 'the same rows imported twice are stored once');
  });
});
