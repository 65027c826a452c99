import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { it } from 'node:test';
import { importAccountHistory, importAccounts, importEvents } from '../../src/collect/index.js';
import { dataAsOf } from '../../src/discover/index.js';
import { describeEngines } from '../engines.js';
import { tempDir } from '../tmp.js';

describeEngines('the default as-of: the newest day in the data', async (engine) => {
  const dir = await tempDir();
  const file = async (name: string, text: string) => {
    await writeFile(join(dir, name), text);
    return join(dir, name);
  };

  it('is the newest event day when nothing else is later, and today when the store is empty', async () => {
    const store = await engine.open();
    assert.deepEqual(await dataAsOf(store, '2026-12-01'), { day: '2026-12-01', from: 'today' });
    await importEvents(store, [await file('e.jsonl', '{"timestamp":"2025-03-10T09:00:00Z","account_id":"a1","action":"sent","object":"message"}\n')], { workers: 0 });
    assert.deepEqual(await dataAsOf(store, '2026-12-01'), { day: '2025-03-10', from: 'events' });
  });

  it('is a later churn date or history row, so accounts that went quiet can still be judged', async () => {
    const store = await engine.open();
    await importEvents(store, [await file('e2.jsonl', '{"timestamp":"2025-01-05T09:00:00Z","account_id":"a1","action":"sent","object":"message"}\n')], { workers: 0 });
    await importAccounts(store, await file('a.csv', 'account_id,name,created_at,plan,seats,churned_at\na1,A,2025-01-02T00:00:00Z,pro,2,2025-09-30T00:00:00Z\na2,B,2025-01-03T00:00:00Z,pro,2,\n'));
    assert.deepEqual(await dataAsOf(store, '2026-12-01'), { day: '2025-09-30', from: 'churn dates' });
    await importAccountHistory(store, await file('h.csv', 'account_id,valid_from,plan,seats,mrr,status\na2,2025-11-01T00:00:00Z,team,4,400,active\n'));
    assert.deepEqual(await dataAsOf(store, '2026-12-01'), { day: '2025-11-01', from: 'account history' });
  });

  it('never runs past today: a date ahead is a plan, not a fact', async () => {
    const store = await engine.open();
    await importAccounts(store, await file('b.csv', 'account_id,name,created_at,plan,seats,churned_at\na1,A,2025-01-02T00:00:00Z,pro,2,2027-06-30T00:00:00Z\n'));
    assert.deepEqual(await dataAsOf(store, '2026-12-01'), { day: '2026-12-01', from: 'today' });
  });
});
