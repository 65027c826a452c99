import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { importAccountHistory, importAccounts, importEvents } from '../../src/collect/index.js';
import { generateDemo } from '../../src/demo/index.js';
import { discover, type DiscoveryResult } from '../../src/discover/index.js';
import { describeEngines } from '../engines.js';
import { tempDir } from '../tmp.js';

// The demo's null world keeps every behaviour (setup, conversations, adoption, plans) and plants
// no effect on churn. Every choice still finds a "best" threshold, step and split in it; the
// null check must see that none beats shuffled labels on the held-out cohorts.
// DuckDB and chdb only (demo: true): the statistics do not depend on the engine, and the
// parity suite shows the servers read the same data (on the servers this took minutes).
describeEngines(
  'discovery in the null world',
  async (engine) => {
  const store = await engine.open();
  let result: DiscoveryResult;

  before(async () => {
    const dir = await tempDir();
    const demo = await generateDemo({ dir, seed: 4, accounts: 2500, months: 30, world: 'null', noise: false });
    await importAccounts(store, demo.files.accounts);
    await importAccountHistory(store, demo.files.accountHistory);
    await importEvents(store, demo.files.events, { workers: 0 });
    result = await discover(store, {
      asOf: '2026-10-31',
      retention: { kind: 'still_customer', days: 365, dormantDays: 30, earlyDays: 90 },
      seed: 1,
      trees: 60,
      refits: 3,
    });
  });

  it('proposes nothing, and says that nothing predicts retention better than chance, with the figures', () => {
    const e = result.evidence;
    assert.equal(result.proposal, null);
    assert.deepEqual(e.verdict.proposed, []);
    assert.ok(e.data.labelled > 800 && e.split !== null, JSON.stringify(e.data));
    assert.ok(e.model!.null_test.permutations >= 200);
    assert.equal(e.verdict.nothing_better_than_chance, !e.model!.null_test.passed);
    if (e.verdict.nothing_better_than_chance) {
      assert.match(e.verdict.statement, /^Nothing here predicts retention better than chance: the forest's AUC on the [\d,]+ held-out accounts .* is 0\.\d+, against 0\.\d+ at the 95th percentile of 200 label permutations \(p = [\d.]+\)/);
    }
    // Every choice was still made, and still judged: it just did not beat its null.
    assert.ok(e.activation !== null && e.activation.null_test !== null);
    for (const m of [e.setup, e.activation, e.utilization, e.maturity]) if (m) assert.equal(m.proposed, false);
    assert.equal(e.validation, null);
  });
},
  { timeout: 240_000, demo: true },
);
