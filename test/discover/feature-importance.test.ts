import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { importAccountHistory, importAccounts, importEvents } from '../../src/collect/index.js';
import { generateDemo } from '../../src/demo/generate.js';
import { buildFeatureMatrix, FEATURE_MEASURES, labelAccounts, rankFeatures, type FeatureMatrix, type FeatureRanking } from '../../src/discover/index.js';
import { mulberry32 } from '../../src/stats/index.js';
import { describeEngines } from '../engines.js';
import { tempDir } from '../tmp.js';

const TRUE = ['f03', 'f07', 'f10'];

/** 12 features of four columns each; retention depends on three of them (by use and by count). */
function synthetic(rows: number, seed: number): { matrix: FeatureMatrix; retained: boolean[] } {
  const random = mulberry32(seed);
  const keys = Array.from({ length: 12 }, (_, k) => `f${String(k).padStart(2, '0')}`);
  const width = keys.length * 4;
  const x = new Float64Array(rows * width);
  const retained: boolean[] = [];
  for (let i = 0; i < rows; i++) {
    const seats = 1 + Math.floor(random() * 5);
    let logit = -2.2;
    keys.forEach((key, k) => {
      if (random() < 0.5) return;
      const count = 1 + Math.floor(random() * 20);
      const days = 1 + Math.floor(random() * Math.min(count, 30));
      const o = i * width + k * 4;
      x.set([1, count, days, count / seats], o);
      if (TRUE.includes(key)) logit += 1.4 + count / 20;
    });
    retained.push(random() < 1 / (1 + Math.exp(-logit)));
  }
  const features = keys.map((key) => ({ key, action: key, object: 'x', place: null, accounts: 0, prevalence: 0 }));
  return {
    matrix: { rows, features, columns: keys.flatMap((k) => FEATURE_MEASURES.map((m) => `${k}:${m}`)), x, accountIds: keys.map((_, i) => `a${i}`) },
    retained,
  };
}

describe('rankFeatures on synthetic data', () => {
  const { matrix, retained } = synthetic(1000, 11);
  let ranking: FeatureRanking;
  const progress: string[] = [];

  before(async () => {
    ranking = await rankFeatures(matrix, retained, { seed: 3, trees: 40, seeds: 5, onProgress: (d, t) => progress.push(`${d}/${t}`) });
  });

  it('ranks the three true features first, stably, with a good held-out AUC', () => {
    const top = ranking.features.slice(0, 3);
    assert.deepEqual(top.map((f) => f.key).sort(), TRUE, JSON.stringify(ranking.features.slice(0, 5)));
    for (const f of top) assert.ok(f.importance > 0 && f.impurity > 0);
    assert.ok(ranking.oobAuc > 0.75, `oobAuc ${ranking.oobAuc}`);
    assert.ok(ranking.heldOutAuc > 0.75, `heldOutAuc ${ranking.heldOutAuc}`);
    assert.equal(ranking.heldOutAucs.length, 5);
    assert.deepEqual(progress, ['1/5', '2/5', '3/5', '4/5', '5/5']);
  });

  // A feature's four columns are redundant: shuffled one at a time, the other three stand in for
  // the shuffled one and a true feature can score near 0 in some fit. Shuffled together, every
  // fit sees it.
  it('ranks each true feature in the top three in every fit (grouped permutation)', () => {
    for (const f of ranking.features.slice(0, 3)) {
      assert.ok(f.rankHigh <= 3, `${f.key} rank interval ${f.rankLow}–${f.rankHigh}`);
      assert.ok(f.importance > 4 * f.importanceSd, `${f.key} ${f.importance} ± ${f.importanceSd}`);
    }
  });

  it('returns every feature once, sorted by rank and by importance', () => {
    assert.deepEqual(ranking.features.map((f) => f.rank), Array.from({ length: 12 }, (_, i) => i + 1));
    assert.deepEqual(new Set(ranking.features.map((f) => f.key)).size, 12);
    for (let i = 1; i < 12; i++) assert.ok(ranking.features[i - 1].importance >= ranking.features[i].importance);
    for (const f of ranking.features) assert.ok(f.rankLow <= f.rankHigh && f.importanceSd >= 0);
    const impurity = ranking.features.reduce((a, f) => a + f.impurity, 0);
    assert.ok(Math.abs(impurity - 1) < 1e-9, `impurity sums to ${impurity}`);
  });

  it('is deterministic for a seed, whatever the thread count', async () => {
    const again = await rankFeatures(matrix, retained, { seed: 3, trees: 40, seeds: 5, threads: 1 });
    assert.deepEqual(again, ranking);
    const other = await rankFeatures(matrix, retained, { seed: 4, trees: 40, seeds: 5, threads: 1 });
    assert.notDeepEqual(other.heldOutAucs, ranking.heldOutAucs);
  });

  it('rejects mismatched labels and one-outcome labels', async () => {
    await assert.rejects(rankFeatures(matrix, retained.slice(1), { seed: 1 }), /invalid retained length/);
    await assert.rejects(rankFeatures(matrix, retained.map(() => true), { seed: 1 }), /invalid retained/);
  });
});

describeEngines('rankFeatures on the demo', async (engine) => {
  const dir = await tempDir();
  const store = await engine.open();
  let ranking: FeatureRanking;

  before(async () => {
    const demo = await generateDemo({ dir, seed: 5, accounts: 800, months: 36 });
    await importAccounts(store, demo.files.accounts);
    await importAccountHistory(store, demo.files.accountHistory);
    await importEvents(store, demo.files.events, { workers: 0 });
    const labels = await labelAccounts(store, { kind: 'still_customer', days: 365, dormantDays: 30, earlyDays: 90 }, '2026-10-31');
    const matrix = await buildFeatureMatrix(store, labels.labelled, 90);
    ranking = await rankFeatures(matrix, labels.labelled.map((a) => a.retained), { seed: 1, trees: 50, seeds: 3 });
    if (process.env.CAIRN_DEBUG) {
      console.log(labels.labelled.length, 'labelled;', matrix.features.length, 'features; oobAuc', ranking.oobAuc, 'heldOutAuc', ranking.heldOutAuc);
      for (const f of ranking.features.slice(0, 10)) console.log(f.rank, f.key, f.importance.toFixed(4), `${f.rankLow}–${f.rankHigh}`, f.impurity.toFixed(4));
      const u = ranking.features.find((f) => f.key === 'customized messenger_appearance');
      console.log('ubiquitous', u);
    }
  });

  it('predicts retention out of sample', () => {
    assert.ok(ranking.oobAuc > 0.6, `oobAuc ${ranking.oobAuc}`);
    assert.ok(ranking.heldOutAuc > 0.6, `heldOutAuc ${ranking.heldOutAuc}`);
  });

  // Not met at this size: its count/active-day columns track overall engagement, and with ~390
  // labelled accounts and 3 fits its rank swings between about 11th and 61st of 63 by seed.
}, { demo: true });
