import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { chiSquareTest2x2, fisherExactTest2x2, riskDifference, riskRatio } from '../../src/stats/index.js';
import { assertClose, assertInterval } from './helpers.js';

describe('riskDifference (Newcombe hybrid score interval)', () => {
  // Newcombe (1998), "Interval estimation for the difference between independent
  // proportions", Stat Med 17:873–890: the worked examples for method 10.
  const cases: Array<[number, number, number, number, number, number]> = [
    [56, 70, 48, 80, 0.0524, 0.3339],
    [9, 10, 3, 10, 0.1705, 0.809],
    [5, 56, 0, 29, -0.0381, 0.1926],
    [0, 10, 0, 20, -0.1611, 0.2775],
    [0, 10, 0, 10, -0.2775, 0.2775],
    [10, 10, 0, 20, 0.6791, 1],
    [10, 10, 0, 10, 0.6075, 1],
  ];
  for (const [x1, n1, x2, n2, low, high] of cases) {
    test(`${x1}/${n1} − ${x2}/${n2} → (${low}, ${high})`, () => {
      const d = riskDifference(x1, n1, x2, n2);
      assertClose(d.estimate, x1 / n1 - x2 / n2, 1e-12);
      assertInterval(d, low, high, 5e-5);
    });
  }

  test('swapping the groups negates the estimate and mirrors the interval', () => {
    const d = riskDifference(56, 70, 48, 80);
    const e = riskDifference(48, 80, 56, 70);
    assertClose(e.estimate, -d.estimate, 1e-12);
    assertClose(e.low, -d.high, 1e-12);
    assertClose(e.high, -d.low, 1e-12);
  });

  test('an empty group: NaN and [−1, 1]', () => {
    const d = riskDifference(0, 0, 3, 10);
    assert.ok(Number.isNaN(d.estimate));
    assert.equal(d.low, -1);
    assert.equal(d.high, 1);
  });

  test('invalid input names the value', () => {
    assert.throws(() => riskDifference(5, 3, 1, 2), /^Error: invalid successes1: 5 \(trials1 3\)$/);
    assert.throws(() => riskDifference(1, 3, 1, -2), /^Error: invalid trials2: -2$/);
    assert.throws(() => riskDifference(1, 3, 1, 2, 95), /^Error: invalid confidence: 95$/);
  });
});

describe('riskRatio (Katz log interval)', () => {
  test('hand-worked: 10/30 vs 30/70', () => {
    // RR = (1/3)/(3/7) = 0.77778; SE(ln RR) = √(1/10 − 1/30 + 1/30 − 1/70) = 0.292770;
    // 1.959964 × 0.292770 = 0.573816, so the limits are RR·e^∓0.573816 = 0.43818, 1.38058.
    const rr = riskRatio(10, 30, 30, 70);
    assertClose(rr.estimate, 7 / 9, 1e-12);
    assertInterval(rr, 0.43818, 1.38058, 5e-5);
    assert.equal(rr.continuityCorrected, false);
  });

  test('a zero cell adds 0.5 to every cell, for the estimate and the interval', () => {
    // Table [[0.5, 10.5], [5.5, 5.5]]: RR = (0.5/11)/(5.5/11) = 1/11;
    // SE = √(1/0.5 − 1/11 + 1/5.5 − 1/11) = √2; limits (1/11)·e^∓(1.959964·√2 = 2.771808),
    // and e^2.771808 = 15.98751, so 0.0056863 and 1.45341.
    const rr = riskRatio(0, 10, 5, 10);
    assert.equal(rr.continuityCorrected, true);
    assertClose(rr.estimate, 1 / 11, 1e-12);
    assertInterval(rr, 0.0056863, 1.45341, 5e-6);
  });

  test('zero events in both groups: a finite, very wide interval around 1', () => {
    // Corrected table [[0.5, 10.5], [0.5, 10.5]]: SE = √(2·(1/0.5 − 1/11)) = 1.954017,
    // limits e^∓(1.959964 × 1.954017 = 3.829803) = 0.021714, 46.0534.
    const rr = riskRatio(0, 10, 0, 10);
    assert.equal(rr.continuityCorrected, true);
    assertClose(rr.estimate, 1, 1e-12);
    assertInterval(rr, 0.021714, 46.0534, 5e-5);
  });

  test('swapping the groups inverts the ratio and its interval', () => {
    const rr = riskRatio(12, 40, 30, 50);
    const inverse = riskRatio(30, 50, 12, 40);
    assertClose(inverse.estimate, 1 / rr.estimate, 1e-12);
    assertClose(inverse.low, 1 / rr.high, 1e-12);
    assertClose(inverse.high, 1 / rr.low, 1e-12);
  });

  test('an empty group: NaN and [0, ∞)', () => {
    const rr = riskRatio(3, 10, 0, 0);
    assert.ok(Number.isNaN(rr.estimate));
    assert.equal(rr.low, 0);
    assert.equal(rr.high, Infinity);
  });

  test('invalid input names the value', () => {
    assert.throws(() => riskRatio(11, 10, 1, 2), /^Error: invalid successes1: 11 \(trials1 10\)$/);
    assert.throws(() => riskRatio(1, 10, 3, 2), /^Error: invalid successes2: 3 \(trials2 2\)$/);
  });
});

describe('chiSquareTest2x2', () => {
  // [[10, 20], [30, 40]]: N = 100, rows 30/70, columns 40/60, so the expected counts are
  // 30·40/100 = 12, 30·60/100 = 18, 70·40/100 = 28, 70·60/100 = 42 and every |O − E| = 2.
  test('Pearson, by hand: Σ 4/E = 4/12 + 4/18 + 4/28 + 4/42 = 0.793651', () => {
    const result = chiSquareTest2x2(10, 20, 30, 40);
    assertClose(result.chiSquare, 0.793651, 1e-6);
    // p = 2·(1 − Φ(√0.793651 = 0.890871)) = 0.37300 from the normal table.
    assertClose(result.pValue, 0.373, 5e-5);
    assert.equal(result.minExpected, 12);
  });

  test('Yates, by hand: Σ (2 − 0.5)²/E = 2.25 × 0.198413 = 0.446429', () => {
    const result = chiSquareTest2x2(10, 20, 30, 40, { yates: true });
    assertClose(result.chiSquare, 0.446429, 1e-6);
    assertClose(result.pValue, 0.50404, 5e-5);
  });

  test('the Yates correction never overshoots: [[2, 1], [1, 2]] gives 0, not a positive value', () => {
    // |ad − bc| = 3 = N/2, so the corrected deviation is exactly 0 (R caps it the same way).
    assert.equal(chiSquareTest2x2(2, 1, 1, 2, { yates: true }).chiSquare, 0);
    assert.equal(chiSquareTest2x2(2, 1, 1, 2, { yates: true }).pValue, 1);
    // Uncorrected: 6·3²/(3·3·3·3) = 2/3.
    assertClose(chiSquareTest2x2(2, 1, 1, 2).chiSquare, 2 / 3, 1e-12);
  });

  test('reports a small expected count so callers can prefer Fisher', () => {
    assertClose(chiSquareTest2x2(3, 1, 1, 3).minExpected, 2, 1e-12);
  });

  test('a zero row or column total: no test (NaN)', () => {
    const result = chiSquareTest2x2(0, 0, 5, 7);
    assert.ok(Number.isNaN(result.chiSquare));
    assert.ok(Number.isNaN(result.pValue));
  });

  test('invalid cells name the value', () => {
    assert.throws(() => chiSquareTest2x2(1, -2, 3, 4), /^Error: invalid b: -2$/);
    assert.throws(() => chiSquareTest2x2(1, 2, 3.5, 4), /^Error: invalid c: 3.5$/);
  });
});

describe('fisherExactTest2x2', () => {
  test("Fisher's tea-tasting table [[3, 1], [1, 3]]: two-sided p = 0.4857 (R fisher.test(TeaTasting))", () => {
    // Hypergeometric probabilities of x = 0..4: 1, 16, 36, 16, 1 over 70; tables as or less
    // likely than x = 3 (16/70): 1 + 16 + 16 + 1 = 34, and 34/70 = 0.485714.
    assertClose(fisherExactTest2x2(3, 1, 1, 3).pValue, 34 / 70, 1e-12);
  });

  test('[[0, 10], [10, 0]]: only the two extreme tables count, p = 2/C(20, 10)', () => {
    assertClose(fisherExactTest2x2(0, 10, 10, 0).pValue, 2 / 184756, 1e-15);
  });

  test('counts in the thousands stay finite and exact', () => {
    // scipy.stats.fisher_exact([[1500, 2500], [1400, 2600]]) = 0.021300334449294.
    assertClose(fisherExactTest2x2(1500, 2500, 1400, 2600).pValue, 0.021300334449294, 1e-10);
    // Large and balanced: p must be a number in (0, 1], and tends to the chi-square p.
    const big = fisherExactTest2x2(20000, 30000, 20300, 29700).pValue;
    const chi = chiSquareTest2x2(20000, 30000, 20300, 29700).pValue;
    assert.ok(big > 0 && big <= 1);
    assertClose(big / chi, 1, 0.02);
  });

  test('the p-value does not depend on which margin is the rows', () => {
    const p = fisherExactTest2x2(7, 2, 3, 9).pValue;
    assertClose(fisherExactTest2x2(7, 3, 2, 9).pValue, p, 1e-14); // transposed
    assertClose(fisherExactTest2x2(9, 3, 2, 7).pValue, p, 1e-14); // both flipped
  });

  test('a degenerate margin leaves one possible table: p = 1', () => {
    assert.equal(fisherExactTest2x2(0, 0, 4, 6).pValue, 1);
    assert.equal(fisherExactTest2x2(0, 0, 0, 0).pValue, 1);
  });

  test('invalid cells name the value', () => {
    assert.throws(() => fisherExactTest2x2(NaN, 1, 1, 1), /^Error: invalid a: NaN$/);
    assert.throws(() => fisherExactTest2x2(1, 1, 1, -1), /^Error: invalid d: -1$/);
  });
});
