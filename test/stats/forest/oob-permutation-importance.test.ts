import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  auc,
  mulberry32,
  oobPermutationImportance,
  permutationImportance,
  trainForest,
  type Dataset,
  type ForestResult,
} from '../../../src/stats/index.js';
import { GROUPS, groupedDataset, sliceRows, syntheticDataset } from './synthetic.js';

const data = syntheticDataset(1500, 20, 21);
const train = sliceRows(data, 0, 1000);
const heldOut = Uint32Array.from({ length: 500 }, (_, i) => 1000 + i);

/** Features ordered by decreasing importance. */
const ranking = (mean: Float64Array): number[] => [...mean.keys()].sort((a, b) => mean[b] - mean[a]);

/** The out-of-bag AUC of `fit` with row-major `x` in place of the training values. */
function oobAucWith(fit: ForestResult, x: Float64Array, y: Uint8Array): number {
  const { trees } = fit.model;
  const { rows, stride, words } = fit.inBag;
  const features = x.length / rows;
  const scores: number[] = [];
  const labels: number[] = [];
  for (let i = 0; i < rows; i++) {
    let sum = 0;
    let count = 0;
    trees.forEach((tree, t) => {
      if ((words[t * stride + (i >>> 5)] >>> (i & 31)) & 1) return;
      let node = 0;
      while (tree.feature[node] >= 0) node = x[i * features + tree.feature[node]] <= tree.threshold[node] ? tree.left[node] : tree.right[node];
      sum += tree.value[node];
      count++;
    });
    if (count === 0) continue;
    scores.push(sum / count);
    labels.push(y[i]);
  }
  return auc(scores, labels);
}

describe('oobPermutationImportance', () => {
  test('starts from the fit’s own out-of-bag AUC and ranks like held-out permutation', async () => {
    const fit = await trainForest(train, { seed: 1, threads: 1, trees: 60 });
    const oob = await oobPermutationImportance(fit, train, { seed: 2, threads: 1 });
    assert.equal(oob.baseAuc, fit.oobAuc);
    const held = permutationImportance(fit.model, data, { seed: 2, rows: heldOut });
    // Both put the three true features first, and agree on which is strongest.
    assert.deepEqual(ranking(oob.mean).slice(0, 3).sort(), [0, 1, 2]);
    assert.deepEqual(ranking(held.mean).slice(0, 3).sort(), [0, 1, 2]);
    assert.equal(ranking(oob.mean)[0], ranking(held.mean)[0]);
    const weakestTrue = Math.min(oob.mean[0], oob.mean[1], oob.mean[2]);
    assert.ok(weakestTrue > 0.02, `weakest true feature: ${weakestTrue}`);
    for (let f = 3; f < 20; f++) assert.ok(Math.abs(oob.mean[f]) < 0.01, `noise feature ${f}: ${oob.mean[f]}`);
  });

  test('matches re-scoring the out-of-bag rows with each column shuffled, exactly', async () => {
    const small = sliceRows(data, 0, 300);
    const fit = await trainForest(small, { seed: 3, threads: 1, trees: 12 });
    const fast = await oobPermutationImportance(fit, small, { seed: 9, repeats: 2, threads: 1 });
    // Shuffles drawn column by column, repeat by repeat, from one generator.
    const random = mulberry32(9);
    for (let f = 0; f < 20; f++) {
      const drops: number[] = [];
      for (let r = 0; r < 2; r++) {
        const column = Float64Array.from({ length: 300 }, (_, i) => small.x[i * 20 + f]);
        for (let i = 299; i > 0; i--) {
          const j = Math.floor(random() * (i + 1));
          [column[i], column[j]] = [column[j], column[i]];
        }
        const x = small.x.slice();
        for (let i = 0; i < 300; i++) x[i * 20 + f] = column[i];
        drops.push(fit.oobAuc - oobAucWith(fit, x, small.y));
      }
      assert.equal(fast.mean[f], (drops[0] + drops[1]) / 2, `feature ${f}`);
    }
  });

  test('gives a feature measured by four columns its whole importance as a group, and noise groups none', async () => {
    const grouped = groupedDataset(1000, 4);
    const fit = await trainForest(grouped, { seed: 5, threads: 1 });
    const perColumn = await oobPermutationImportance(fit, grouped, { seed: 6, threads: 1 });
    const byGroup = await oobPermutationImportance(fit, grouped, { seed: 6, groups: GROUPS, threads: 1 });
    assert.equal(byGroup.mean.length, 4);
    // Each column alone is partly stood in for by the other three; shuffled together they are not.
    const strongestColumn = Math.max(...perColumn.mean.slice(0, 4));
    assert.ok(byGroup.mean[0] > 0.2 && byGroup.mean[0] > 3 * strongestColumn, `group ${byGroup.mean[0]} vs column ${strongestColumn}`);
    for (let g = 1; g < 4; g++) assert.ok(Math.abs(byGroup.mean[g]) < 0.01, `noise group ${g}: ${byGroup.mean[g]}`);
  });

  test('is deterministic for a seed, whatever the threads that trained the forest or score it', async () => {
    const small = sliceRows(data, 0, 300);
    const one = await trainForest(small, { seed: 7, threads: 1, trees: 12 });
    const two = await trainForest(small, { seed: 7, threads: 2, trees: 12 });
    assert.deepEqual(two.inBag, one.inBag);
    const a = await oobPermutationImportance(one, small, { seed: 8, repeats: 3, threads: 1 });
    assert.deepEqual(await oobPermutationImportance(one, small, { seed: 8, repeats: 3, threads: 1 }), a);
    assert.deepEqual(await oobPermutationImportance(two, small, { seed: 8, repeats: 3, threads: 1 }), a);
    // Two scoring threads split the groups (0, 2, … and 1, 3, …) and skip ahead in the generator.
    assert.deepEqual(await oobPermutationImportance(one, small, { seed: 8, repeats: 3, threads: 2 }), a);
    const other = await oobPermutationImportance(one, small, { seed: 9, repeats: 3, threads: 1 });
    assert.notDeepEqual(other.mean, a.mean);
  });

  test('a group of one column equals the per-column result', async () => {
    const small = sliceRows(data, 0, 300);
    const fit = await trainForest(small, { seed: 1, threads: 1, trees: 10 });
    const singles = Array.from({ length: 20 }, (_, f) => [f]);
    const perColumn = await oobPermutationImportance(fit, small, { seed: 4, repeats: 2, threads: 1 });
    assert.deepEqual(await oobPermutationImportance(fit, small, { seed: 4, repeats: 2, threads: 1, groups: singles }), perColumn);
  });

  test('rejects invalid input', async () => {
    const small = sliceRows(data, 0, 50);
    const fit = await trainForest(small, { seed: 1, threads: 1, trees: 2 });
    await assert.rejects(oobPermutationImportance(fit, sliceRows(data, 0, 40), { seed: 1 }), { message: 'invalid rows: 40 (trained on 50)' });
    await assert.rejects(oobPermutationImportance(fit, small, { seed: 1, repeats: 0 }), { message: 'invalid repeats: 0' });
    await assert.rejects(oobPermutationImportance(fit, small, { seed: 1, threads: 0 }), { message: 'invalid threads: 0' });
    await assert.rejects(oobPermutationImportance(fit, small, { seed: 1, groups: [[0, 20]] }), {
      message: 'invalid groups[0]: column 20 (features = 20)',
    });
    const narrow: Dataset = { rows: 50, features: 2, x: new Float64Array(100), y: small.y };
    await assert.rejects(oobPermutationImportance(fit, narrow, { seed: 1 }), { message: 'invalid features: 2 (model: 20)' });
  });
});
