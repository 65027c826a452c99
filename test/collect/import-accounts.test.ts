import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { importAccountHistory, importAccounts } from '../../src/collect/index.js';
import { describeEngines } from '../engines.js';
import { sql } from '../../src/store/index.js';
import { tempDir } from '../tmp.js';

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
