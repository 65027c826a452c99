import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  bonferroniConfidence,
  meanDifference,
  quantileStrata,
  stratifiedDifference,
  summarize,
  twoSidedPower,
} from '../../src/stats/index.js';
import { assertClose } from './helpers.js';

describe('meanDifference (Welch)', () => {
  test('scipy ttest_ind(equal_var=False) and CompareMeans.tconfint_diff(usevar="unequal")', () => {
    const a = summarize([5.1, 4.9, 6.2, 5.8, 5.5, 6.0, 4.7]);
    const b = summarize([4.2, 4.8, 3.9, 5.1, 4.4]);
    const d = meanDifference(a, b);
    assertClose(d.estimate / d.se, 3.2132631317404563, 1e-10, 't');
    assertClose(d.pValue, 0.009682437900200815, 1e-9, 'p');
    assertClose(d.low, 0.29639459415264824, 1e-8, 'low');
    assertClose(d.high, 1.6578911201330673, 1e-8, 'high');
  });

  test('summarize: mean and n − 1 variance by hand', () => {
    const s = summarize([2, 4, 4, 4, 5, 5, 7, 9]);
    assert.deepEqual([s.n, s.mean], [8, 5]);
    assertClose(s.variance, 32 / 7, 1e-12);
    assert.ok(Number.isNaN(meanDifference(summarize([1]), s).estimate));
  });
});

describe('bonferroniConfidence', () => {
  test('four checkpoints at 95% together: 98.75% each', () => {
    assertClose(bonferroniConfidence(0.95, 4), 0.9875, 1e-15);
    assert.equal(bonferroniConfidence(0.95, 1), 0.95);
    assert.throws(() => bonferroniConfidence(0.95, 0), /invalid looks: 0/);
  });
});

describe('twoSidedPower', () => {
  test('an effect of 2.8 standard errors at 95%: about 80%', () => {
    // Φ(2.8 − 1.959964) + Φ(−2.8 − 1.959964) = Φ(0.840036) + Φ(−4.759964) = 0.799546 + 0.000001
    assertClose(twoSidedPower(2.8, 1), 0.79955, 1e-5);
    assertClose(twoSidedPower(-2.8, 1), 0.79955, 1e-5);
    // No effect: the test's size.
    assertClose(twoSidedPower(0, 1), 0.05, 1e-12);
    assert.ok(Number.isNaN(twoSidedPower(1, 0)));
  });
});

describe('stratifiedDifference', () => {
  test('two strata weighted by the treated, worked by hand', () => {
    // Stratum 1: treated mean 0.8 (n 10, var 0.1), control 0.5 (n 20, var 0.2).
    // Stratum 2: treated mean 0.4 (n 30, var 0.3), control 0.3 (n 10, var 0.1).
    // Weights 10/40, 30/40: estimate 0.25·0.3 + 0.75·0.1 = 0.15;
    // variance 0.0625·(0.01 + 0.01) + 0.5625·(0.01 + 0.01) = 0.0125, se 0.111803.
    const s = stratifiedDifference([
      { treated: { n: 10, mean: 0.8, variance: 0.1 }, control: { n: 20, mean: 0.5, variance: 0.2 } },
      { treated: { n: 30, mean: 0.4, variance: 0.3 }, control: { n: 10, mean: 0.3, variance: 0.1 } },
    ]);
    assertClose(s.estimate, 0.15, 1e-12);
    assertClose(s.se, Math.sqrt(0.0125), 1e-12);
    assertClose(s.low, 0.15 - 1.959964 * Math.sqrt(0.0125), 1e-6);
    assert.equal(s.dropped, 0);
  });

  test('a stratum without controls is left out and counted', () => {
    const s = stratifiedDifference([
      { treated: { n: 10, mean: 0.8, variance: 0.1 }, control: { n: 1, mean: 0.5, variance: 0 } },
      { treated: { n: 30, mean: 0.4, variance: 0.3 }, control: { n: 10, mean: 0.3, variance: 0.1 } },
    ]);
    assertClose(s.estimate, 0.1, 1e-12);
    assert.equal(s.dropped, 1);
  });

  test('quantileStrata: quintiles of 1..10, ties kept together', () => {
    assert.deepEqual([...quantileStrata([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 5)], [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]);
    assert.deepEqual([...quantileStrata([1, 1, 1, 1, 2], 2)], [0, 0, 0, 0, 1]);
  });
});
