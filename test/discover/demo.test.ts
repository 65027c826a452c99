import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { importAccountHistory, importAccounts, importEvents } from '../../src/collect/index.js';
import { generateDemo } from '../../src/demo/generate.js';
import { buildFeatureMatrix, labelAccounts, type FeatureMatrix, type RetentionLabels } from '../../src/discover/index.js';
import { describeEngines } from '../engines.js';
import { tempDir } from '../tmp.js';

// The demo's catalogue has dozens of (action, object) behaviours, and plants one that almost
// every account uses (customized messenger_appearance) as a trap for discovery.
describeEngines('discovery inputs on the demo', async (engine) => {
  const dir = await tempDir();
  const store = await engine.open();
  const END = '2026-10-31';
  let labels: RetentionLabels;
  let matrix: FeatureMatrix;

  before(async () => {
    const demo = await generateDemo({ dir, seed: 5, accounts: 400 });
    await importAccounts(store, demo.files.accounts);
    await importAccountHistory(store, demo.files.accountHistory);
    await importEvents(store, demo.files.events, { workers: 0 });
    labels = await labelAccounts(store, { kind: 'still_customer', days: 365, dormantDays: 30, earlyDays: 90 }, END);
    matrix = await buildFeatureMatrix(store, labels.labelled, 90);
  });

  it('labels the accounts old enough, with both outcomes present', () => {
    const { labelled, leftOut } = labels;
    assert.ok(labelled.length > 50, `${labelled.length} labelled`);
    assert.ok(leftOut.tooYoung > 100, `${leftOut.tooYoung} too young`);
    const retained = labelled.filter((a) => a.retained).length;
    assert.ok(retained > 0 && retained < labelled.length, `${retained} of ${labelled.length} retained`);
    for (const a of labelled) assert.ok(a.seats >= 1 && a.plan, a.account_id);
  });

  it('has 50+ (action, object) features, and the ubiquitous one used by over 90%', () => {
    const pairs = matrix.features.filter((f) => f.place === null);
    assert.ok(pairs.length >= 50, `${pairs.length} features`);
    const ubiquitous = matrix.features.find((f) => f.key === 'customized messenger_appearance');
    assert.ok(ubiquitous, 'customized messenger_appearance is a feature');
    assert.ok(ubiquitous.prevalence > 0.9, `prevalence ${ubiquitous.prevalence}`);
    assert.equal(matrix.rows, labels.labelled.length);
    assert.equal(matrix.x.length, matrix.rows * matrix.columns.length);
    assert.equal(matrix.columns.length, matrix.features.length * 4);
  });

  it('keeps values consistent: used ⇔ count > 0, active days ≤ 90 and ≤ count', () => {
    const w = matrix.columns.length;
    for (let i = 0; i < matrix.rows; i++) {
      for (let c = 0; c < w; c += 4) {
        const [used, count, days] = [matrix.x[i * w + c], matrix.x[i * w + c + 1], matrix.x[i * w + c + 2]];
        assert.equal(used, count > 0 ? 1 : 0);
        assert.ok(days <= 90 && days <= count);
      }
    }
  });
});
