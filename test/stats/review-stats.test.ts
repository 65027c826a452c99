import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { aucWithInterval, calibration, populationStability } from '../../src/stats/index.js';
import { assertClose } from './helpers.js';

// Expected values worked by hand (the arithmetic is in the comments).
describe('population stability index', () => {
  it('sums (a − e)·ln(a/e) over the bins', () => {
    // shares .5 .3 .2 → .4 .3 .3: (.4 − .5)·ln(.4/.5) + 0 + (.3 − .2)·ln(.3/.2) = .1·ln 1.25 + .1·ln 1.5
    assertClose(populationStability([50, 30, 20], [40, 30, 30]), 0.1 * Math.log(1.25) + 0.1 * Math.log(1.5), 1e-12);
    assertClose(populationStability([50, 30, 20], [40, 30, 30]), 0.0628609, 1e-6);
    assert.equal(populationStability([5, 5], [50, 50]), 0, 'the same shares, whatever the sizes');
  });

  it('adds half an account to every bin when one is empty', () => {
    // [10, 0] → [10.5, 0.5]/11; [5, 5] → [5.5, 5.5]/11: (.5 − .954545)·ln(.5/.954545) + (.5 − .045455)·ln(11)
    assertClose(populationStability([10, 0], [5, 5]), 1.3838738, 1e-6);
  });

  it('refuses mismatched or negative bins, and is NaN for an empty side', () => {
    assert.throws(() => populationStability([1, 2], [1, 2, 3]), /invalid bins: 2 expected, 3 actual/);
    assert.throws(() => populationStability([1, -2], [1, 2]), /invalid expected\[1\]: -2/);
    assert.ok(Number.isNaN(populationStability([0, 0], [1, 2])));
  });
});

describe('calibration', () => {
  it('reliability rows, Brier, skill, mean error and Hosmer–Lemeshow for fixed predictions', () => {
    const c = calibration([
      { label: 'A', predicted: 0.8, n: 10, events: 7 },
      { label: 'B', predicted: 0.3, n: 20, events: 8 },
    ]);
    // Brier: (7·.2² + 3·.8² + 8·.7² + 12·.3²) / 30 = (.28 + 1.92 + 3.92 + 1.08) / 30 = .24
    assertClose(c.brier, 0.24, 1e-12);
    // base rate 15/30: .5 · .5 = .25; skill 1 − .24/.25 = .04
    assertClose(c.brierOfBaseRate, 0.25, 1e-12);
    assertClose(c.skill, 0.04, 1e-12);
    // (10·|.7 − .8| + 20·|.4 − .3|) / 30 = .1
    assertClose(c.meanAbsoluteError, 0.1, 1e-12);
    // (7 − 8)²/(10·.8·.2) + (8 − 6)²/(20·.3·.7) = .625 + .952381; df 2: p = exp(−x/2)
    assertClose(c.chiSquare, 1.5773810, 1e-6);
    assert.equal(c.degreesOfFreedom, 2);
    assertClose(c.pValue, 0.4544395, 1e-6);
    assertClose(c.rows[0].observed.estimate, 0.7, 1e-12);
    assert.ok(c.rows[0].observed.low < 0.7 && c.rows[0].observed.high > 0.7);
  });

  it('leaves out of the test a group predicted 0 or 1, and refuses impossible counts', () => {
    const c = calibration([
      { label: 'sure', predicted: 1, n: 5, events: 5 },
      { label: 'B', predicted: 0.5, n: 4, events: 2 },
    ]);
    assert.equal(c.degreesOfFreedom, 1);
    assertClose(c.chiSquare, 0, 1e-12);
    assert.throws(() => calibration([{ label: 'x', predicted: 0.5, n: 2, events: 3 }]), /invalid groups\[0\]\.events: 3 \(n 2\)/);
    assert.throws(() => calibration([{ label: 'x', predicted: 1.5, n: 2, events: 1 }]), /invalid groups\[0\]\.predicted: 1.5/);
  });
});

describe('AUC with DeLong interval', () => {
  it('counts ties as half and gives the logit-scale interval', () => {
    // positives 3, 2, 2 and negatives 1, 2: pairs 1 + 1 + 1 + .5 + 1 + .5 = 5 of 6
    const r = aucWithInterval([3, 2, 2, 1, 2], [1, 1, 1, 0, 0]);
    assertClose(r.estimate, 5 / 6, 1e-12);
    // V10 = 1, .75, .75 (var .0208333); V01 = 1, 2/3 (var .0555556); var = .0208333/3 + .0555556/2; se .186339
    // logit 5/6 = ln 5; se on logit .186339 / (5/6 · 1/6); ln 5 ∓ 1.959964 · 1.341641
    assertClose(r.low, 0.2650021, 1e-6);
    assertClose(r.high, 0.9857831, 1e-6);
    assert.deepEqual([r.positives, r.negatives], [3, 2]);
  });

  it('is NaN without both classes and exact at perfect separation', () => {
    assert.ok(Number.isNaN(aucWithInterval([1, 2], [1, 1]).estimate));
    const perfect = aucWithInterval([3, 4, 1, 2], [1, 1, 0, 0]);
    assert.deepEqual([perfect.estimate, perfect.low, perfect.high], [1, 1, 1]);
  });
});
