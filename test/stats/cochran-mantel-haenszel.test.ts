import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { chiSquareTest2x2, cochranMantelHaenszel, riskRatio, type Table2x2 } from '../../src/stats/index.js';
import { assertClose, assertInterval } from './helpers.js';

const table = (a: number, b: number, c: number, d: number): Table2x2 => ({ a, b, c, d });

describe('cochranMantelHaenszel', () => {
  test("R's mantelhaen.test(Rabbits): Agresti's penicillin and rabbits, five strata", () => {
    // Rows: injection immediate / delayed 1.5h; columns: cured / died. R prints
    // X-squared = 3.9286, p-value = 0.04747, common odds ratio 7, 95% CI 1.026713 47.725133.
    const rabbits = [table(0, 6, 0, 5), table(3, 3, 0, 6), table(6, 0, 2, 4), table(5, 1, 6, 0), table(2, 0, 5, 0)];
    const result = cochranMantelHaenszel(rabbits, { continuityCorrection: true });
    assertClose(result.chiSquare, 3.9286, 5e-5);
    assertClose(result.pValue, 0.04747, 5e-6);
    assertClose(result.oddsRatio.estimate, 7, 1e-12);
    assertInterval(result.oddsRatio, 1.026713, 47.725133, 5e-6);
    assert.equal(result.strataUsed, 5);
    // Without the correction the statistic grows: (|16 − ΣE|)² / V instead of (|16 − ΣE| − ½)² / V.
    assert.ok(cochranMantelHaenszel(rabbits).chiSquare > result.chiSquare);
  });

  // Hand-worked confounding: big accounts retain at 90%, small ones at 20%, whatever the
  // behaviour; big accounts just do the behaviour more.
  //   big:   exposed 90/100 retained, unexposed 45/50  → a=90, b=10, c=45, d=5,  n=150
  //   small: exposed 10/50  retained, unexposed 20/100 → a=10, b=40, c=20, d=80, n=150
  const confounded = [table(90, 10, 45, 5), table(10, 40, 20, 80)];

  test('stratification removes an association that the crude table shows', () => {
    // Crude: 100/150 vs 65/150 → RR = 1.538.
    const crude = riskRatio(100, 150, 65, 150);
    assertClose(crude.estimate, 100 / 65, 1e-12);
    assert.ok(crude.low > 1, 'the crude association is "significant"');

    const result = cochranMantelHaenszel(confounded);
    // RR_MH = Σ a·n0/n ÷ Σ c·n1/n = (30 + 6.667) ÷ (30 + 6.667) = 1.
    assertClose(result.riskRatio.estimate, 1, 1e-12);
    // OR_MH = Σ ad/n ÷ Σ bc/n = (3 + 5.333) ÷ (3 + 5.333) = 1.
    assertClose(result.oddsRatio.estimate, 1, 1e-12);
    // Σa = 100 = ΣE(a) = 100·135/150 + 50·30/150, so the statistic is exactly 0.
    assertClose(result.chiSquare, 0, 1e-12);
    assertClose(result.pValue, 1, 1e-12);
  });

  test('Greenland–Robins and Robins–Breslow–Greenland intervals, by hand', () => {
    const result = cochranMantelHaenszel(confounded);
    // GR: Σ (n1·n0·m1 − a·c·n)/n² = (675000 − 607500)/22500 + (150000 − 30000)/22500 = 8.3333;
    // var = 8.3333 / (36.667 · 36.667) = 0.0061983, SE 0.078730, limits e^∓0.154309.
    assertInterval(result.riskRatio, 0.857009, 1.166849, 5e-6);
    // RBG with R = S = 8.3333: ΣPR = 5.1, Σ(PS + QR) = 8.3333, ΣQS = 3.2333;
    // var = (5.1 + 8.3333 + 3.2333) / (2 · 69.444) = 0.12, limits e^∓(1.959964·√0.12 = 0.678951).
    assertInterval(result.oddsRatio, 0.507148, 1.971809, 5e-6);
  });

  test('one stratum reduces to the single-table methods', () => {
    const one = [table(10, 20, 30, 40)];
    const result = cochranMantelHaenszel(one);
    // GR variance with K = 1 is Katz's 1/a − 1/n1 + 1/c − 1/n0.
    const katz = riskRatio(10, 30, 30, 70);
    assertClose(result.riskRatio.estimate, katz.estimate, 1e-12);
    assertInterval(result.riskRatio, katz.low, katz.high, 1e-12);
    // RBG variance with K = 1 is Woolf's 1/a + 1/b + 1/c + 1/d = 0.208333.
    const or = (10 * 40) / (20 * 30);
    const margin = 1.959964 * Math.sqrt(1 / 10 + 1 / 20 + 1 / 30 + 1 / 40);
    assertInterval(result.oddsRatio, or * Math.exp(-margin), or * Math.exp(margin), 1e-6);
    // CMH with K = 1 is Pearson's X² scaled by (N − 1)/N.
    assertClose(result.chiSquare, (chiSquareTest2x2(10, 20, 30, 40).chiSquare * 99) / 100, 1e-12);
  });

  test('swapping exposed and unexposed inverts both ratios', () => {
    const swapped = confounded.map(({ a, b, c, d }) => table(c, d, a, b));
    const rabbits = [table(3, 3, 0, 6), table(6, 0, 2, 4), table(5, 1, 6, 0)];
    for (const strata of [rabbits, swapped]) {
      const result = cochranMantelHaenszel(strata);
      const inverse = cochranMantelHaenszel(strata.map(({ a, b, c, d }) => table(c, d, a, b)));
      assertClose(inverse.riskRatio.estimate, 1 / result.riskRatio.estimate, 1e-12);
      assertClose(inverse.riskRatio.low, 1 / result.riskRatio.high, 1e-12);
      assertClose(inverse.oddsRatio.high, 1 / result.oddsRatio.low, 1e-9);
      assertClose(inverse.chiSquare, result.chiSquare, 1e-12);
    }
  });

  test('strata with zero total (or a single subject) are skipped', () => {
    const base = cochranMantelHaenszel(confounded);
    const padded = cochranMantelHaenszel([table(0, 0, 0, 0), ...confounded, table(0, 1, 0, 0)]);
    assert.deepEqual(padded, base);
    assert.equal(padded.strataUsed, 2);
  });

  test('no usable strata: NaN everywhere', () => {
    const result = cochranMantelHaenszel([table(0, 0, 0, 0)]);
    assert.ok(Number.isNaN(result.chiSquare) && Number.isNaN(result.pValue));
    assert.ok(Number.isNaN(result.riskRatio.estimate) && Number.isNaN(result.oddsRatio.low));
    assert.equal(result.strataUsed, 0);
    assert.equal(cochranMantelHaenszel([]).strataUsed, 0);
  });

  test('a zero denominator gives an infinite ratio with no interval', () => {
    // No unexposed cases anywhere: RR and OR are ∞; the log variance does not exist.
    const result = cochranMantelHaenszel([table(5, 5, 0, 10), table(3, 7, 0, 10)]);
    assert.equal(result.riskRatio.estimate, Infinity);
    assert.ok(Number.isNaN(result.riskRatio.low) && Number.isNaN(result.riskRatio.high));
    assert.equal(result.oddsRatio.estimate, Infinity);
    assert.ok(result.pValue < 0.01);
  });

  test('invalid input names the stratum and cell', () => {
    assert.throws(() => cochranMantelHaenszel([table(1, 2, 3, 4), table(1, -2, 3, 4)]), /^Error: invalid strata\[1\]\.b: -2$/);
    assert.throws(() => cochranMantelHaenszel([table(1, 2, 3, 4)], { confidence: 1.2 }), /^Error: invalid confidence: 1.2$/);
  });
});
