import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { FEATURE_MEASURES, rankFeatures, type FeatureInfo, type FeatureMatrix, type FeatureRanking } from '../../src/discover/index.js';
import { mulberry32 } from '../../src/stats/index.js';

const TRUE = ['f03', 'f07', 'f10'];

/** Rows of features, four columns each (used, count, active days, per seat), from a per-row count. */
function matrixOf(rows: number, features: FeatureInfo[], cell: (i: number, f: FeatureInfo) => number): FeatureMatrix {
  const width = features.length * 4;
  const x = new Float64Array(rows * width);
  for (let i = 0; i < rows; i++) {
    features.forEach((f, k) => {
      const count = cell(i, f);
      if (count > 0) x.set([1, count, Math.min(count, 30), count / 2], i * width + k * 4);
    });
  }
  return { rows, features, columns: features.flatMap((f) => FEATURE_MEASURES.map((m) => `${f.key}:${m}`)), x, accountIds: Array.from({ length: rows }, (_, i) => `a${i}`) };
}

/** Feature `action x`, or its place variant `action x @place`. */
const info = (action: string, place: string | null = null): FeatureInfo => ({ key: place ? `${action} x @${place}` : `${action} x`, action, object: 'x', place, accounts: 0, prevalence: 0 });

/** 12 features plus a place variant of f03 that carries a third of its events; retention depends on f03, f07 and f10. */
function synthetic(rows: number, seed: number): { matrix: FeatureMatrix; retained: boolean[] } {
  const random = mulberry32(seed);
  const keys = Array.from({ length: 12 }, (_, k) => `f${String(k).padStart(2, '0')}`);
  const counts = Array.from({ length: rows }, () => new Map<string, number>());
  const retained: boolean[] = [];
  for (let i = 0; i < rows; i++) {
    let logit = -2.2;
    for (const key of keys) {
      if (random() < 0.5) continue;
      const count = 1 + Math.floor(random() * 20);
      counts[i].set(key, count);
      if (TRUE.includes(key)) logit += 1.4 + count / 20;
    }
    retained.push(random() < 1 / (1 + Math.exp(-logit)));
  }
  const features = [...keys.map((k) => info(k)), info('f03', 'p')];
  const cell = (i: number, f: FeatureInfo) => (f.place === null ? (counts[i].get(f.action) ?? 0) : Math.round((counts[i].get(f.action) ?? 0) / 3));
  return { matrix: matrixOf(rows, features, cell), retained };
}

/** Every third account is held out; the rest are the selection set. */
function sides(rows: number): { selection: Int32Array; heldOut: Int32Array } {
  const all = Array.from({ length: rows }, (_, i) => i);
  return { selection: Int32Array.from(all.filter((i) => i % 3 !== 0)), heldOut: Int32Array.from(all.filter((i) => i % 3 === 0)) };
}

describe('rankFeatures: fitted on the selection set, ranked over bootstrap refits', () => {
  const { matrix, retained } = synthetic(1200, 11);
  const { selection, heldOut } = sides(matrix.rows);
  let ranking: FeatureRanking;
  const progress: string[] = [];

  before(async () => {
    ranking = await rankFeatures({ matrix, retained, selection, heldOut }, { seed: 3, trees: 40, refits: 8, onProgress: (d, t) => progress.push(`${d}/${t}`) });
  });

  it('ranks the three true features first and predicts the held-out accounts', () => {
    const top = ranking.features.slice(0, 3);
    assert.deepEqual(top.map((f) => f.key).sort(), TRUE.map((k) => `${k} x`), JSON.stringify(ranking.features.slice(0, 5)));
    for (const f of top) assert.ok(f.importance > 0 && f.impurity > 0);
    assert.ok(ranking.oobAuc > 0.75, `oobAuc ${ranking.oobAuc}`);
    assert.ok(ranking.heldOutAuc > 0.75, `heldOutAuc ${ranking.heldOutAuc}`);
    assert.equal(ranking.heldOutScores.length, heldOut.length);
    assert.equal(ranking.refits, 8);
    assert.deepEqual(progress, Array.from({ length: 9 }, (_, i) => `${i + 1}/9`));
  });

  it('shows each rank as the median over the refits, never outside its own interval', () => {
    for (const f of ranking.features) {
      assert.ok(f.rankLow <= f.rank && f.rank <= f.rankHigh, `${f.key}: rank ${f.rank} outside ${f.rankLow}–${f.rankHigh}`);
      assert.ok(f.importanceSd >= 0);
    }
    for (let i = 1; i < ranking.features.length; i++) assert.ok(ranking.features[i - 1].rank <= ranking.features[i].rank, 'sorted by median rank');
  });

  it('shuffles a place variant with its pair: the variant is not ranked on its own', () => {
    assert.equal(ranking.features.length, 12);
    assert.ok(!ranking.features.some((f) => f.key === 'f03 x @p'));
    const f03 = ranking.features.find((f) => f.key === 'f03 x')!;
    assert.ok(f03.rankHigh <= 3, `f03 with its variant: ${f03.rankLow}–${f03.rankHigh}`);
  });

  it('is deterministic for a seed, whatever the thread count', async () => {
    const again = await rankFeatures({ matrix, retained, selection, heldOut }, { seed: 3, trees: 40, refits: 8, threads: 1 });
    assert.deepEqual(again, ranking);
    const other = await rankFeatures({ matrix, retained, selection, heldOut }, { seed: 4, trees: 40, refits: 8, threads: 1 });
    assert.notDeepEqual(other.heldOutScores, ranking.heldOutScores);
  });

  it('rejects mismatched labels and sides with one outcome', async () => {
    await assert.rejects(rankFeatures({ matrix, retained: retained.slice(1), selection, heldOut }, { seed: 1 }), /invalid retained length/);
    await assert.rejects(rankFeatures({ matrix, retained: retained.map(() => true), selection, heldOut }, { seed: 1 }), /invalid selection: \d+ retained and 0 not/);
  });
});

describe('rankFeatures with plan as a covariate', () => {
  // Premium accounts (20%) retain far more and use the decoy far more, which does nothing by
  // itself; the driver lifts retention a little on every plan.
  const rows = 2400;
  const random = mulberry32(5);
  const premium = Array.from({ length: rows }, () => random() < 0.2);
  const driver = Array.from({ length: rows }, () => random() < 0.4);
  const decoy = premium.map((p) => random() < (p ? 0.7 : 0.05));
  const retained = premium.map((p, i) => random() < (p ? 0.85 : 0.35) + (driver[i] ? 0.12 : 0));
  const features = ['driver', 'decoy', 'noise1', 'noise2', 'noise3'].map((k) => info(k));
  const noise = Array.from({ length: rows }, () => [random(), random(), random()]);
  const matrix = matrixOf(rows, features, (i, f) => {
    if (f.action === 'driver') return driver[i] ? 1 + Math.floor(random() * 3) : 0;
    if (f.action === 'decoy') return decoy[i] ? 1 + Math.floor(random() * 3) : 0;
    return noise[i][Number(f.action[5]) - 1] < 0.5 ? 1 : 0;
  });
  const { selection, heldOut } = sides(rows);
  const covariates = { names: ['plan = premium', 'plan = other'], x: Float64Array.from(premium.flatMap((p) => (p ? [1, 0] : [0, 1]))) };
  const rankOf = (r: FeatureRanking, key: string) => r.features.find((f) => f.key === key)!.rank;

  it('ranks the plan-confounded decoy above the driver without plan, and below it once plan is in', async () => {
    const without = await rankFeatures({ matrix, retained, selection, heldOut }, { seed: 2, trees: 60, refits: 6 });
    assert.ok(rankOf(without, 'decoy x') < rankOf(without, 'driver x'), `without plan: decoy ${rankOf(without, 'decoy x')}, driver ${rankOf(without, 'driver x')}`);
    const withPlan = await rankFeatures({ matrix, retained, selection, heldOut, covariates }, { seed: 2, trees: 60, refits: 6 });
    assert.ok(rankOf(withPlan, 'driver x') < rankOf(withPlan, 'decoy x'), `with plan: driver ${rankOf(withPlan, 'driver x')}, decoy ${rankOf(withPlan, 'decoy x')}`);
    assert.ok(withPlan.covariates!.importance > 0, 'plan itself carries the premium effect');
    assert.deepEqual(withPlan.covariates!.names, covariates.names);
  });
});
