import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { rankStability } from '../../../src/stats/index.js';

describe('rankStability', () => {
  test('ranks 1 for the most important feature, with mean and quantile bounds', () => {
    const fits = [Float64Array.of(0.5, 0.3, 0.2), Float64Array.of(0.4, 0.5, 0.1), Float64Array.of(0.6, 0.1, 0.3)];
    const { meanRank, low, high } = rankStability(fits);
    // Feature 0 ranks 1, 2, 1; feature 1 ranks 2, 1, 3; feature 2 ranks 3, 3, 2.
    assert.deepEqual([...meanRank], [4 / 3, 2, 8 / 3]);
    // Type-7 2.5% of sorted (1, 1, 2): h = 0.05 → 1; 97.5%: h = 1.95 → 1.95.
    assert.deepEqual([...low], [1, 1.05, 2.05]);
    assert.ok(Math.abs(high[0] - 1.95) < 1e-12);
    assert.ok(Math.abs(high[1] - 2.95) < 1e-12);
  });

  test('gives tied importances their mean rank', () => {
    const { meanRank } = rankStability([Float64Array.of(0.2, 0.4, 0.2, 0.2)]);
    assert.deepEqual([...meanRank], [3, 1, 3, 3]);
  });

  test('rejects bad input', () => {
    assert.throws(() => rankStability([]), { message: 'invalid importances: empty' });
    assert.throws(() => rankStability([Float64Array.of(1, 2), Float64Array.of(1)]), {
      message: 'invalid importances[1] length: 1 (expected 2)',
    });
    assert.throws(() => rankStability([Float64Array.of(1, NaN)]), { message: 'invalid importances[0][1]: NaN' });
  });
});
