import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { logFactorial, median, mulberry32, quantile, quantileOrderInterval } from '../../src/stats/index.js';
import { assertClose } from './helpers.js';

describe('quantile (type 7) and median', () => {
  test("R's quantile(c(1, 2, 3, 4, 10), p) for p = 0, .25, .3, .5, .75, .9, 1", () => {
    // Type 7: h = (n − 1)p, then interpolate. p = 0.3: h = 1.2 → 2 + 0.2·(3 − 2) = 2.2;
    // p = 0.9: h = 3.6 → 4 + 0.6·(10 − 4) = 7.6. R and numpy's default agree.
    const x = [10, 3, 1, 4, 2]; // unsorted on purpose
    const expected: Array<[number, number]> = [[0, 1], [0.25, 2], [0.3, 2.2], [0.5, 3], [0.75, 4], [0.9, 7.6], [1, 10]];
    for (const [p, value] of expected) assertClose(quantile(x, p), value, 1e-12, `q(${p})`);
  });

  test('the median of an even count averages the middle two', () => {
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.equal(median([7]), 7);
  });

  test('does not reorder the caller’s array', () => {
    const x = [3, 1, 2];
    median(x);
    assert.deepEqual(x, [3, 1, 2]);
  });

  test('empty input gives NaN', () => {
    assert.ok(Number.isNaN(median([])));
    assert.ok(Number.isNaN(quantile([], 0.9)));
  });

  test('invalid input names the value', () => {
    assert.throws(() => quantile([1, 2], 1.2), /^Error: invalid q: 1.2$/);
    assert.throws(() => quantile([1, 2], -0.1), /^Error: invalid q: -0.1$/);
    assert.throws(() => median([1, NaN, 2]), /^Error: invalid values\[1\]: NaN$/);
    assert.throws(() => median([1, Infinity]), /^Error: invalid values\[1\]: Infinity$/);
  });
});

describe('quantileOrderInterval (distribution-free, from order statistics)', () => {
  const ranks = (n: number, q = 0.5) => {
    const { low, high } = quantileOrderInterval(Array.from({ length: n }, (_, i) => n - i), q);
    return [low, high];
  };

  test("the median's 95% ranks of the published table: n = 6, 10, 20, 100", () => {
    // Campbell & Gardner (BMJ 1988) table 1 and Conover: (1, 6) 96.9%, (2, 9) 97.9%, (6, 15) 95.9%, (40, 61) 96.5%.
    assert.deepEqual(ranks(6), [1, 6]);
    assert.deepEqual(ranks(10), [2, 9]);
    assert.deepEqual(ranks(20), [6, 15]);
    assert.deepEqual(ranks(100), [40, 61]);
  });

  test('each tail at most 2.5% and no narrower pair of ranks would be, by exact binomial sums', () => {
    const cdf = (k: number, n: number, q: number) => {
      let sum = 0;
      for (let i = 0; i <= k; i++) sum += Math.exp(logFactorial(n) - logFactorial(i) - logFactorial(n - i) + i * Math.log(q) + (n - i) * Math.log(1 - q));
      return sum;
    };
    for (const [n, q] of [[50, 0.5], [200, 0.9], [333, 0.25], [1000, 0.5]] as const) {
      const [l, u] = ranks(n, q);
      assert.ok(cdf(l - 1, n, q) <= 0.025 && cdf(l, n, q) > 0.025, `n ${n}, q ${q}: lower rank ${l}`);
      assert.ok(1 - cdf(u - 1, n, q) <= 0.025 && 1 - cdf(u - 2, n, q) > 0.025, `n ${n}, q ${q}: upper rank ${u}`);
    }
  });

  test('the estimate is the type-7 quantile; ties and order do not matter; too few values give no limits', () => {
    const days = [9, 1, 4, 4, 4, 30, 2, 7, 4, 12];
    const i = quantileOrderInterval(days, 0.5);
    assert.deepEqual(i, { estimate: 4, low: 2, high: 12 });
    const five = quantileOrderInterval([1, 2, 3, 4, 5], 0.5);
    assert.equal(five.estimate, 3);
    assert.ok(Number.isNaN(five.low) && Number.isNaN(five.high), 'five values cannot give 95%');
    assert.deepEqual(quantileOrderInterval([1, 2, 3, 4, 5], 0.5, 0.9), { estimate: 3, low: 1, high: 5 });
    assert.ok(Number.isNaN(quantileOrderInterval([], 0.5).estimate));
  });
});

describe('mulberry32', () => {
  test('reproduces the reference sequence', () => {
    // Reference values from an independent big-integer transcription of bryc's mulberry32.
    const random = mulberry32(42);
    assert.equal(random(), 0.6011037519201636);
    assert.equal(random(), 0.44829055899754167);
    assert.equal(random(), 0.8524657934904099);
    assert.equal(mulberry32(0)(), 0.26642920868471265);
  });

  test('is roughly uniform on [0, 1)', () => {
    const random = mulberry32(7);
    const bins = new Array<number>(10).fill(0);
    const n = 100_000;
    for (let i = 0; i < n; i++) {
      const u = random();
      assert.ok(u >= 0 && u < 1);
      bins[Math.floor(u * 10)]++;
    }
    // Chi-square with 9 df; its 0.999 quantile is 27.88.
    const chi = bins.reduce((sum, count) => sum + (count - n / 10) ** 2 / (n / 10), 0);
    assert.ok(chi < 27.88, `chi-square ${chi}`);
  });

  test('rejects a non-integer seed', () => {
    assert.throws(() => mulberry32(1.5), /^Error: invalid seed: 1.5$/);
  });
});
