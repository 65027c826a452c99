import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { auc, mulberry32, permutationImportance, trainForest, type Dataset } from '../../../src/stats/index.js';
import { GROUPS, groupedDataset, sliceRows, syntheticDataset } from './synthetic.js';

const data = syntheticDataset(1500, 20, 21);
const heldOut = Uint32Array.from({ length: 500 }, (_, i) => 1000 + i);

describe('permutationImportance', () => {
  test('ranks the 3 true features above every noise feature on held-out rows', async () => {
    const { model } = await trainForest(sliceRows(data, 0, 1000), { seed: 1, threads: 1 });
    const { mean, sd } = permutationImportance(model, data, { seed: 2, rows: heldOut });
    const weakestTrue = Math.min(mean[0], mean[1], mean[2]);
    for (let f = 3; f < 20; f++) assert.ok(mean[f] < weakestTrue, `noise feature ${f}: ${mean[f]} ≥ ${weakestTrue}`);
    assert.ok(weakestTrue > 0.02);
    assert.ok(sd.every((s) => s >= 0));
  });

  test('gives near-zero importance to a feature 97% of rows share and that has no effect', async () => {
    // Feature 3 is 1 for 97% of rows, independent of y.
    const random = mulberry32(5);
    const x = data.x.slice();
    for (let i = 0; i < data.rows; i++) x[i * 20 + 3] = random() < 0.97 ? 1 : 0;
    const common: Dataset = { ...data, x };
    const { model } = await trainForest(sliceRows(common, 0, 1000), { seed: 3, threads: 1 });
    const { mean } = permutationImportance(model, common, { seed: 4, rows: heldOut, repeats: 10 });
    assert.ok(Math.abs(mean[3]) < 0.005, `common feature: ${mean[3]}`);
    assert.ok(mean[0] > 20 * Math.abs(mean[3]));
  });

  test('is deterministic for a seed and leaves the data untouched', async () => {
    const small = sliceRows(data, 0, 300);
    const before = small.x.slice();
    const { model } = await trainForest(small, { seed: 1, threads: 1, trees: 10 });
    const a = permutationImportance(model, small, { seed: 9, repeats: 3 });
    const b = permutationImportance(model, small, { seed: 9, repeats: 3 });
    assert.deepEqual(a, b);
    assert.deepEqual(small.x, before);
    const once = permutationImportance(model, small, { seed: 9, repeats: 1 });
    assert.ok(once.sd.every((s) => s === 0));
  });

  test('matches re-predicting with each column shuffled, exactly', async () => {
    // The fast path re-walks only affected rows, 16 features a block; check every feature
    // (both blocks) against the plain recipe, drawing shuffles in the same order.
    const small = sliceRows(data, 0, 300);
    const { model } = await trainForest(small, { seed: 1, threads: 1, trees: 10 });
    const fast = permutationImportance(model, small, { seed: 9, repeats: 2 });
    const random = mulberry32(9);
    const baseAuc = auc(model.predictProba(small.x, 300), small.y);
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
        drops.push(baseAuc - auc(model.predictProba(x, 300), small.y));
      }
      // Exact: sums run in tree order, so tied scores stay tied.
      assert.equal(fast.mean[f], (drops[0] + drops[1]) / 2, `feature ${f}`);
    }
  });

  test('shuffles a group’s columns together: a feature spread over four columns gets its whole importance', async () => {
    const grouped = groupedDataset(1500, 11);
    const { model } = await trainForest(sliceRows(grouped, 0, 1000), { seed: 1, threads: 1, trees: 60 });
    const perColumn = permutationImportance(model, grouped, { seed: 2, rows: heldOut });
    const byGroup = permutationImportance(model, grouped, { seed: 2, rows: heldOut, groups: GROUPS });
    assert.equal(byGroup.mean.length, 4);
    assert.equal(byGroup.sd.length, 4);
    assert.equal(byGroup.baseAuc, perColumn.baseAuc);
    // One column shuffled is mostly stood in for by the other three; all four shuffled are not.
    const strongestColumn = Math.max(...perColumn.mean.slice(0, 4));
    assert.ok(byGroup.mean[0] > 0.2 && byGroup.mean[0] > 3 * strongestColumn, `group ${byGroup.mean[0]} vs column ${strongestColumn}`);
    // The second group is four measures of one latent that does not drive y; the rest is noise.
    for (let g = 1; g < 4; g++) assert.ok(Math.abs(byGroup.mean[g]) < 0.01, `noise group ${g}: ${byGroup.mean[g]}`);
  });

  test('matches re-predicting with a group’s columns shuffled by one permutation, exactly', async () => {
    const grouped = groupedDataset(300, 12);
    const { model } = await trainForest(grouped, { seed: 1, threads: 1, trees: 10 });
    const groups = [[2, 0], [5], [8, 9, 10, 11, 12]];
    const fast = permutationImportance(model, grouped, { seed: 3, repeats: 2, groups });
    const random = mulberry32(3);
    const baseAuc = auc(model.predictProba(grouped.x, 300), grouped.y);
    groups.forEach((group, g) => {
      const drops: number[] = [];
      for (let r = 0; r < 2; r++) {
        const source = Uint32Array.from({ length: 300 }, (_, i) => i);
        for (let i = 299; i > 0; i--) {
          const j = Math.floor(random() * (i + 1));
          [source[i], source[j]] = [source[j], source[i]];
        }
        const x = grouped.x.slice();
        for (let i = 0; i < 300; i++) for (const c of group) x[i * 16 + c] = grouped.x[source[i] * 16 + c];
        drops.push(baseAuc - auc(model.predictProba(x, 300), grouped.y));
      }
      assert.equal(fast.mean[g], (drops[0] + drops[1]) / 2, `group ${g}`);
    });
  });

  test('a group of one column equals the per-column result', async () => {
    const small = sliceRows(data, 0, 300);
    const { model } = await trainForest(small, { seed: 1, threads: 1, trees: 10 });
    const perColumn = permutationImportance(model, small, { seed: 9, repeats: 2 });
    const singles = Array.from({ length: 20 }, (_, f) => [f]);
    assert.deepEqual(permutationImportance(model, small, { seed: 9, repeats: 2, groups: singles }), perColumn);
  });

  test('rejects invalid groups', async () => {
    const small = sliceRows(data, 0, 50);
    const { model } = await trainForest(small, { seed: 1, threads: 1, trees: 2 });
    const run = (groups: number[][]) => () => permutationImportance(model, small, { seed: 1, groups });
    assert.throws(run([]), { message: 'invalid groups: empty' });
    assert.throws(run([[0], []]), { message: 'invalid groups[1]: empty' });
    assert.throws(run([[0, -1]]), { message: 'invalid groups[0]: column -1 (features = 20)' });
    assert.throws(run([[1.5]]), { message: 'invalid groups[0]: column 1.5 (features = 20)' });
    assert.throws(run([[3, 4, 3]]), { message: 'invalid groups[0]: column 3 twice' });
  });

  test('rejects invalid input', async () => {
    const small = sliceRows(data, 0, 50);
    const { model } = await trainForest(small, { seed: 1, threads: 1, trees: 2 });
    assert.throws(() => permutationImportance(model, small, { seed: 1, repeats: 0 }), { message: 'invalid repeats: 0' });
    assert.throws(() => permutationImportance(model, small, { seed: 1, rows: Uint32Array.of(3, 50) }), {
      message: 'invalid rows[1]: 50',
    });
    const narrow: Dataset = { rows: 1, features: 2, x: new Float64Array(2), y: Uint8Array.of(1) };
    assert.throws(() => permutationImportance(model, narrow, { seed: 1 }), { message: 'invalid features: 2 (model: 20)' });
  });
});
