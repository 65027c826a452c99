import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { StratifiedShuffler, auc, aucPermutationNull, mulberry32, permutationPValue, strataCodes } from '../../src/stats/index.js';

describe('label permutation tests', () => {
  test('strata codes follow first appearance; no labels is one stratum', () => {
    assert.deepEqual([...strataCodes(['pro', 'starter', 'pro', 'premium'], 4)], [0, 1, 0, 2]);
    assert.deepEqual([...strataCodes(null, 3)], [0, 0, 0]);
    assert.throws(() => strataCodes(['a'], 2), /invalid strata length: 1/);
  });

  test('a stratified shuffle keeps every value in its stratum and reaches every order evenly', () => {
    const strata = Int32Array.from([0, 1, 0, 1, 0, 1]);
    const shuffler = new StratifiedShuffler(strata);
    const random = mulberry32(7);
    const seen = new Map<string, number>();
    for (let r = 0; r < 6000; r++) {
      const v = shuffler.shuffle(Int32Array.from([10, 20, 11, 21, 12, 22]), random);
      for (let i = 0; i < 6; i++) assert.equal(Math.floor(v[i] / 10), strata[i] + 1, `position ${i} holds ${v[i]}`);
      const evens = `${v[0]},${v[2]},${v[4]}`;
      seen.set(evens, (seen.get(evens) ?? 0) + 1);
    }
    // 3! orders of the first stratum, each about 1,000 times.
    assert.equal(seen.size, 6);
    for (const [order, count] of seen) assert.ok(count > 850 && count < 1150, `${order}: ${count}`);
  });

  test('the p-value counts the null at or above the observed, plus one, over B + 1', () => {
    assert.equal(permutationPValue(0.3, [0.1, 0.3, 0.5, 0.2]), 3 / 5);
    assert.equal(permutationPValue(0.9, [0.1, 0.3]), 1 / 3);
    assert.ok(Number.isNaN(permutationPValue(NaN, [0.1])));
  });

  test('the AUC null: each unit its own stratum leaves the labels as they are, so every AUC is the observed one', () => {
    const scores = [0.1, 0.4, 0.4, 0.8, 0.3, 0.9];
    const labels = Uint8Array.from([0, 1, 0, 1, 0, 1]);
    const nulls = aucPermutationNull(scores, labels, Int32Array.from([0, 1, 2, 3, 4, 5]), 5, 1);
    for (const a of nulls) assert.equal(a, auc(scores, labels));
  });

  test('the AUC null has the Mann–Whitney mean 1/2 and variance (n + 1)/(12·P·N) without ties', () => {
    const n = 40;
    const scores = Array.from({ length: n }, (_, i) => i);
    const labels = Uint8Array.from({ length: n }, (_, i) => (i % 4 === 0 ? 1 : 0)); // P = 10, N = 30
    const nulls = aucPermutationNull(scores, labels, new Int32Array(n), 20_000, 3);
    const mean = nulls.reduce((a, b) => a + b, 0) / nulls.length;
    const variance = nulls.reduce((a, b) => a + (b - mean) ** 2, 0) / (nulls.length - 1);
    assert.ok(Math.abs(mean - 0.5) < 0.003, `mean ${mean}`);
    const expected = (n + 1) / (12 * 10 * 30);
    assert.ok(Math.abs(variance / expected - 1) < 0.04, `variance ${variance}, expected ${expected}`);
  });
});
