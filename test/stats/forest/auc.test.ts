import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { auc, mulberry32 } from '../../../src/stats/index.js';
import { sortFinite } from '../../../src/stats/forest/sort.js';
import { assertClose } from '../helpers.js';

describe('auc', () => {
  test('matches hand-counted pairs', () => {
    // Positives 0.35, 0.8 vs negatives 0.1, 0.4: 0.35 beats 1 of 2, 0.8 beats 2 → 3/4.
    assert.equal(auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]), 0.75);
    assert.equal(auc([1, 2, 3, 4], [0, 0, 1, 1]), 1);
    assert.equal(auc([4, 3, 2, 1], [0, 0, 1, 1]), 0);
  });

  test('counts a tie between a positive and a negative as one half', () => {
    // Positives 0.5, 0.9 vs negatives 0.5, 0.2: ½ + 1 + 1 + 1 = 3.5 of 4 pairs.
    assert.equal(auc([0.5, 0.5, 0.2, 0.9], [1, 0, 0, 1]), 0.875);
    // Three-way tie at 2 across both classes: pos {2, 2, 3} vs neg {1, 2}:
    // 2 → 1 + ½, 2 → 1 + ½, 3 → 2; total 5 of 6.
    assertClose(auc([2, 1, 2, 3, 2], [1, 0, 1, 1, 0]), 5 / 6, 1e-15);
    assert.equal(auc([7, 7, 7, 7], [0, 1, 0, 1]), 0.5);
  });

  test('is 0.5 in expectation for random scores', () => {
    const random = mulberry32(11);
    let sum = 0;
    const draws = 200;
    for (let d = 0; d < draws; d++) {
      const scores = Float64Array.from({ length: 200 }, () => random());
      const labels = Uint8Array.from({ length: 200 }, () => (random() < 0.3 ? 1 : 0));
      sum += auc(scores, labels);
    }
    // One AUC has SD ≈ 0.045 here, so the mean of 200 has SD ≈ 0.003.
    assertClose(sum / draws, 0.5, 0.012);
  });

  test('agrees exactly with counting pairs, on long inputs with ties, signs and near-equal values', () => {
    // Long enough for the radix sort, with values that share their high 32 bits.
    const random = mulberry32(12);
    const kinds: (() => number)[] = [
      () => random(),
      () => Math.round(random() * 20) / 20,
      () => (random() - 0.5) * 1e6,
      () => 0.5 + (random() - 0.5) * 1e-9,
      () => (random() < 0.3 ? 0 : random() < 0.5 ? -0 : -random() * 1e-300),
    ];
    for (const [k, draw] of kinds.entries()) {
      const n = 700 + 97 * k;
      const scores = Float64Array.from({ length: n }, draw);
      const labels = Uint8Array.from({ length: n }, () => (random() < 0.4 ? 1 : 0));
      let wins = 0;
      let positives = 0;
      for (let i = 0; i < n; i++) {
        if (labels[i] !== 1) continue;
        positives++;
        for (let j = 0; j < n; j++) if (labels[j] === 0) wins += scores[i] > scores[j] ? 2 : scores[i] === scores[j] ? 1 : 0;
      }
      assert.equal(auc(scores, labels), wins / (2 * positives * (n - positives)), `kind ${k}`);
    }
  });

  test('is NaN without both outcomes', () => {
    assert.ok(Number.isNaN(auc([0.1, 0.2], [1, 1])));
    assert.ok(Number.isNaN(auc([], [])));
  });

  test('rejects bad input', () => {
    assert.throws(() => auc([0.1, 0.2], [1]), /invalid labels length: 1 \(scores: 2\)/);
    assert.throws(() => auc([0.1, 0.2], [1, 2]), /invalid labels\[1\]: 2/);
    assert.throws(() => auc([0.1, NaN], [1, 0]), /invalid scores\[1\]: NaN/);
  });
});

describe('sortFinite', () => {
  test('orders like Float64Array.prototype.sort, short or long, with ties, signs and near-equal values', () => {
    const random = mulberry32(13);
    const draws: (() => number)[] = [
      () => random(),
      () => Math.floor(random() * 3), // long runs of one value
      () => (random() - 0.5) * 1e9,
      () => 1 + (random() - 0.5) * 1e-12, // one high word, many values
      () => (random() < 0.5 ? -0 : 0),
    ];
    for (const [k, draw] of draws.entries()) {
      for (const n of [0, 1, 5, 63, 64, 1000]) {
        const values = Float64Array.from({ length: n }, draw);
        const expected = values.slice().sort();
        sortFinite(values, new Float64Array(n));
        // −0 and 0 are equal values, so may come in either order.
        assert.deepEqual(Array.from(values, (v) => v + 0), Array.from(expected, (v) => v + 0), `draw ${k}, n ${n}`);
      }
    }
  });
});
