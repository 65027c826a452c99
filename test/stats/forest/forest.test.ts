import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { auc, createForestModel, trainForest, type Dataset } from '../../../src/stats/index.js';
import { bootstrapCounts } from '../../../src/stats/forest/tree.js';
import { assertClose } from '../helpers.js';
import { shuffledOutcome, sliceRows, syntheticDataset, usageDataset } from './synthetic.js';

const data = syntheticDataset(1500, 20, 1);

describe('trainForest', () => {
  test('finds signal in 3 of 20 features and none in a shuffled outcome', async () => {
    const fit = await trainForest(data, { seed: 1, threads: 1 });
    assert.ok(fit.oobAuc > 0.8, `OOB AUC ${fit.oobAuc}`);
    const noise = await trainForest(shuffledOutcome(data, 2), { seed: 1, threads: 1 });
    assert.ok(noise.oobAuc < 0.6 && noise.oobAuc > 0.4, `shuffled OOB AUC ${noise.oobAuc}`);
    assert.equal(fit.model.trees.length, 100);
  });

  test('impurity importance sums to 1 and puts the true features first', async () => {
    const { impurityImportance } = await trainForest(data, { seed: 3, threads: 1, trees: 50 });
    assertClose(impurityImportance.reduce((a, b) => a + b, 0), 1, 1e-12);
    const top3 = [...impurityImportance.keys()].sort((a, b) => impurityImportance[b] - impurityImportance[a]).slice(0, 3);
    assert.deepEqual(top3.sort(), [0, 1, 2]);
  });

  test('out-of-bag scores cover about 1/e of rows per tree and NaN only where never out of bag', async () => {
    const single = await trainForest(data, { seed: 4, threads: 1, trees: 1 });
    const missing = single.oobProba.filter(Number.isNaN).length;
    // A row escapes one bootstrap with chance (1 − 1/n)^n ≈ 0.368.
    assertClose(1 - missing / data.rows, 0.368, 0.04, 'out-of-bag share');
    const many = await trainForest(data, { seed: 4, threads: 1, trees: 30 });
    assert.equal(many.oobProba.filter(Number.isNaN).length, 0);
  });

  test('keeps each tree’s bootstrap as bits: set exactly for the rows the tree drew', async () => {
    const small = sliceRows(data, 0, 100); // 100 rows: the last of four words is part-used
    const fit = await trainForest(small, { seed: 12, threads: 1, trees: 6 });
    const { rows, trees, stride, words } = fit.inBag;
    assert.deepEqual([rows, trees, stride, words.length], [100, 6, 4, 24]);
    for (let t = 0; t < trees; t++) {
      const drawn = bootstrapCounts(rows, 12, t);
      for (let i = 0; i < rows; i++) assert.equal((words[t * stride + (i >>> 5)] >>> (i & 31)) & 1, drawn[i] > 0 ? 1 : 0);
      for (let i = rows; i < 128; i++) assert.equal((words[t * stride + (i >>> 5)] >>> (i & 31)) & 1, 0);
    }
    // A row drawn by every tree has no out-of-bag score.
    for (let i = 0; i < rows; i++) {
      let everyTree = true;
      for (let t = 0; t < trees; t++) everyTree &&= ((words[t * stride + (i >>> 5)] >>> (i & 31)) & 1) === 1;
      assert.equal(Number.isNaN(fit.oobProba[i]), everyTree);
    }
  });

  test('predicts held-out rows well', async () => {
    const fit = await trainForest(sliceRows(data, 0, 1000), { seed: 5, threads: 1, trees: 60 });
    const test = sliceRows(data, 1000, 1500);
    const proba = fit.model.predictProba(test.x, test.rows);
    assert.ok(proba.every((p) => p >= 0 && p <= 1));
    assert.ok(auc(proba, test.y) > 0.8);
  });

  test('the same seed gives identical results; another seed does not', async () => {
    const a = await trainForest(data, { seed: 6, threads: 1, trees: 20 });
    const b = await trainForest(data, { seed: 6, threads: 1, trees: 20 });
    const c = await trainForest(data, { seed: 7, threads: 1, trees: 20 });
    assert.deepEqual(a.oobProba, b.oobProba);
    assert.deepEqual(a.impurityImportance, b.impurityImportance);
    assert.notDeepEqual(a.oobProba, c.oobProba);
  });

  test('one thread and two threads give identical forests', async () => {
    const one = await trainForest(data, { seed: 8, threads: 1, trees: 15 });
    const two = await trainForest(data, { seed: 8, threads: 2, trees: 15 });
    assert.deepEqual(two.oobProba, one.oobProba);
    assert.deepEqual(two.impurityImportance, one.impurityImportance);
    assert.deepEqual(two.model.trees, one.model.trees);
  });

  test('on zero-heavy usage counts: one thread and two give identical forests that find the signal', async () => {
    const usage = usageDataset(1500, 2);
    const train = sliceRows(usage, 0, 1000);
    const one = await trainForest(train, { seed: 13, threads: 1, trees: 24 });
    const two = await trainForest(train, { seed: 13, threads: 2, trees: 24 });
    assert.deepEqual(two.model.trees, one.model.trees);
    assert.deepEqual(two.oobProba, one.oobProba);
    const test = sliceRows(usage, 1000, 1500);
    const heldOutAuc = auc(one.model.predictProba(test.x, test.rows), test.y);
    assert.ok(heldOutAuc > 0.65, `held-out AUC ${heldOutAuc}`);
  });

  test('honours maxDepth, minSamplesLeaf and a fixed maxFeatures', async () => {
    const stump = await trainForest(data, { seed: 9, threads: 1, trees: 5, maxDepth: 1 });
    for (const tree of stump.model.trees) assert.ok(tree.feature.length <= 3);
    const coarse = await trainForest(data, { seed: 9, threads: 1, trees: 5, minSamplesLeaf: 200 });
    for (const tree of coarse.model.trees) assert.ok(tree.feature.length < 2 * (data.rows / 200));
    // All features at every split: bagged trees, still a good fit.
    const bagged = await trainForest(data, { seed: 9, threads: 1, trees: 30, maxFeatures: 20 });
    assert.ok(bagged.oobAuc > 0.8);
  });

  test('uses raw thresholds that agree with the binned training data', async () => {
    // Few distinct values: every value gets its own bin, and splits fall between them.
    const rows = 400;
    const x = Float64Array.from({ length: rows }, (_, i) => i % 4);
    const y = Uint8Array.from({ length: rows }, (_, i) => (i % 4 >= 2 ? 1 : 0));
    const fit = await trainForest({ rows, features: 1, x, y }, { seed: 10, threads: 1, trees: 10 });
    assert.equal(fit.oobAuc, 1);
    assert.deepEqual([...fit.model.predictProba(Float64Array.of(0, 1.4, 1.6, 3, -5, 9), 6)], [0, 0, 1, 1, 0, 1]);
  });

  test('rejects invalid input', async () => {
    const tiny: Dataset = { rows: 3, features: 2, x: new Float64Array(6), y: Uint8Array.of(0, 1, 0) };
    await assert.rejects(trainForest(tiny, { seed: 1, trees: 0 }), { message: 'invalid trees: 0' });
    await assert.rejects(trainForest(tiny, { seed: 1, trees: 2.5 }), { message: 'invalid trees: 2.5' });
    await assert.rejects(trainForest({ ...tiny, x: new Float64Array(5) }, { seed: 1 }), {
      message: 'invalid x length: 5 (rows × features = 6)',
    });
    await assert.rejects(trainForest({ ...tiny, y: Uint8Array.of(0, 1) }, { seed: 1 }), {
      message: 'invalid y length: 2 (rows = 3)',
    });
    await assert.rejects(trainForest({ ...tiny, y: Uint8Array.of(0, 2, 1) }, { seed: 1 }), { message: 'invalid y[1]: 2' });
    await assert.rejects(trainForest({ ...tiny, x: Float64Array.of(0, 1, NaN, 0, 0, 0) }, { seed: 1 }), {
      message: 'invalid x[2]: NaN',
    });
    await assert.rejects(trainForest(tiny, { seed: 1, maxFeatures: 3 }), { message: 'invalid maxFeatures: 3' });
    await assert.rejects(trainForest(tiny, { seed: 1, bins: 1 }), { message: 'invalid bins: 1' });
    await assert.rejects(trainForest(tiny, { seed: 1, threads: 0 }), { message: 'invalid threads: 0' });
    await assert.rejects(trainForest(tiny, { seed: 1, minSamplesLeaf: 0 }), { message: 'invalid minSamplesLeaf: 0' });
    await assert.rejects(trainForest(tiny, { seed: 0.5 }), { message: 'invalid seed: 0.5' });
    const model = createForestModel((await trainForest(tiny, { seed: 1, threads: 1, trees: 2 })).model.trees, 2);
    assert.throws(() => model.predictProba(new Float64Array(3), 2), { message: 'invalid x length: 3 (rows × features = 4)' });
  });
});
