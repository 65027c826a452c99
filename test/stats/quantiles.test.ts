import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bootstrapQuantileInterval, median, mulberry32, quantile } from '../../src/stats/index.js';
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

describe('bootstrapQuantileInterval', () => {
  const oneToHundred = Array.from({ length: 100 }, (_, i) => i + 1);

  test('is deterministic given the seed, and the seed matters', () => {
    const draw = mulberry32(99);
    const values = Array.from({ length: 40 }, () => draw()); // distinct values, so seeds show
    const a = bootstrapQuantileInterval(values, 0.3, { seed: 1 });
    const b = bootstrapQuantileInterval(values, 0.3, { seed: 1 });
    const c = bootstrapQuantileInterval(values, 0.3, { seed: 2 });
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
  });

  test('the median of 1..100 lands near the order-statistic interval', () => {
    // Distribution-free 95% CI for the median of n = 100 uses order statistics 40 and 61
    // (binomial(100, 0.5)); the percentile bootstrap should land close to it.
    const interval = bootstrapQuantileInterval(oneToHundred, 0.5, { seed: 3, resamples: 2000 });
    assert.equal(interval.estimate, 50.5);
    assert.ok(interval.low >= 37 && interval.low <= 45, `low ${interval.low}`);
    assert.ok(interval.high >= 56 && interval.high <= 64, `high ${interval.high}`);
  });

  test('a lower confidence gives a narrower interval inside the wider one', () => {
    const wide = bootstrapQuantileInterval(oneToHundred, 0.9, { seed: 5, confidence: 0.95 });
    const narrow = bootstrapQuantileInterval(oneToHundred, 0.9, { seed: 5, confidence: 0.5 });
    assert.ok(narrow.low >= wide.low && narrow.high <= wide.high);
    assert.ok(narrow.high - narrow.low < wide.high - wide.low);
  });

  test('gives what sorting every resample gives, to the last bit', () => {
    // The textbook way: sort each resample and interpolate (R's type 7).
    const bySorting = (values: number[], q: number, seed: number, resamples: number, confidence = 0.95) => {
      const random = mulberry32(seed);
      const pick = (sorted: Float64Array, p: number) => {
        const h = (sorted.length - 1) * p;
        const lo = Math.floor(h);
        return sorted[lo] + (h - lo) * (sorted[Math.min(lo + 1, sorted.length - 1)] - sorted[lo]);
      };
      const stats = new Float64Array(resamples);
      for (let r = 0; r < resamples; r++) stats[r] = pick(Float64Array.from(values, () => values[Math.floor(random() * values.length)]).sort(), q);
      stats.sort();
      const tail = (1 - confidence) / 2;
      return { estimate: pick(Float64Array.from(values).sort(), q), low: pick(stats, tail), high: pick(stats, 1 - tail) };
    };
    const draw = mulberry32(7);
    const cases: [number[], number][] = [
      [Array.from({ length: 500 }, () => Math.floor(draw() * 90)), 0.5], // days to a milestone: many ties
      [Array.from({ length: 37 }, () => draw() * 10 - 5), 0.25], // distinct, negative too
      [[3, -0, 0, 0, -0, 2, 2, -1], 0.5], // signed zeros sort apart
      [[9], 0.9],
      [[1, 2], 1],
    ];
    for (const [values, q] of cases) {
      for (const seed of [1, 2]) assert.deepEqual(bootstrapQuantileInterval(values, q, { seed, resamples: 300 }), bySorting(values, q, seed, 300), `${values.length} values, q ${q}`);
    }
  });

  test('constant data give a zero-width interval', () => {
    assert.deepEqual(bootstrapQuantileInterval([4, 4, 4], 0.5, { seed: 1 }), { estimate: 4, low: 4, high: 4 });
  });

  test('empty input gives NaN everywhere', () => {
    const empty = bootstrapQuantileInterval([], 0.5, { seed: 1 });
    assert.ok(Number.isNaN(empty.estimate) && Number.isNaN(empty.low) && Number.isNaN(empty.high));
  });

  test('invalid options name the value', () => {
    assert.throws(() => bootstrapQuantileInterval([1], 0.5, { seed: 1, resamples: 0 }), /^Error: invalid resamples: 0$/);
    assert.throws(() => bootstrapQuantileInterval([1], 0.5, { seed: 1, confidence: 1 }), /^Error: invalid confidence: 1$/);
    assert.throws(() => bootstrapQuantileInterval([1], 2, { seed: 1 }), /^Error: invalid q: 2$/);
    assert.throws(() => bootstrapQuantileInterval([1], 0.5, { seed: NaN }), /^Error: invalid seed: NaN$/);
  });
});
