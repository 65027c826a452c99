import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { searchThreshold } from '../../src/discover/index.js';
import { mulberry32, wilsonInterval } from '../../src/stats/index.js';

const f64 = (xs: number[]) => Float64Array.from(xs);
const u8 = (xs: number[]) => Uint8Array.from(xs);
// Tiny samples sometimes resample no churned (or no retained) account; that has its own warning.
const reachWarnings = (ws: string[]) => ws.filter((w) => !/bootstrap resamples/.test(w));

describe('searchThreshold on a hand-computed case', () => {
  // 10 accounts; exactly those with ≥ 3 events retain.
  const counts = [0, 1, 2, 2, 1, 3, 4, 5, 3, 6];
  const outcome = u8(counts.map((c) => (c >= 3 ? 1 : 0)));
  const result = searchThreshold({ windows: [{ days: 7, counts: f64(counts) }], outcome }, { seed: 1 });

  it('picks threshold 3 with J = 1, sensitivity 1, specificity 1', () => {
    const b = result.best;
    assert.equal(b.days, 7);
    assert.equal(b.threshold, 3);
    assert.equal(b.youdenJ, 1);
    assert.equal(b.sensitivity.estimate, 1);
    assert.equal(b.specificity.estimate, 1);
    assert.equal(b.ppv.estimate, 1);
    assert.equal(b.npv.estimate, 1);
    assert.equal(b.reach.estimate, 0.5);
    assert.deepEqual(b.sensitivity, wilsonInterval(5, 5));
    assert.deepEqual(b.reach, wilsonInterval(5, 10));
    assert.deepEqual(reachWarnings(result.warnings), []);
  });

  it('lays out a grid over the distinct counts with hand-checked J and reach', () => {
    assert.deepEqual(
      result.grid.map((g) => g.threshold),
      [0, 1, 2, 3, 4, 5, 6],
    );
    const at = (t: number) => result.grid.find((g) => g.threshold === t)!;
    assert.equal(at(0).youdenJ, 0);
    assert.equal(at(0).reach, 1);
    // Threshold 2: all 5 retained, and 2 of 5 churned (the two 2s) are at or above: J = 1 + 3/5 − 1.
    assert.ok(Math.abs(at(2).youdenJ - 0.6) < 1e-12);
    assert.equal(at(2).reach, 0.7);
    // Threshold 5: 2 of 5 retained, no churned: J = 0.4.
    assert.ok(Math.abs(at(5).youdenJ - 0.4) < 1e-12);
  });

  it('breaks ties by the lower threshold, then by the shorter window', () => {
    const c = f64([0, 1, 0, 1, 5, 6, 5, 6]);
    const y = u8([0, 0, 0, 0, 1, 1, 1, 1]);
    const r = searchThreshold(
      { windows: [{ days: 30, counts: c }, { days: 7, counts: c }], outcome: y },
      { seed: 3, candidates: [5, 4, 2, 3] },
    );
    assert.equal(r.best.threshold, 2); // 2, 3, 4 and 5 all give J = 1
    assert.equal(r.best.days, 7); // both windows identical
    assert.equal(r.best.youdenJ, 1);
  });
});

describe('searchThreshold on a planted step', () => {
  // 2000 accounts; 90-day counts uniform on 0..40; retention 25% below 20 events, 75% at or above.
  // Shorter windows thin the 90-day events binomially, so they carry a blurred copy of the signal.
  const n = 2000;
  const random = mulberry32(2024);
  const c90 = new Float64Array(n);
  const c30 = new Float64Array(n);
  const c7 = new Float64Array(n);
  const outcome = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    c90[i] = Math.floor(random() * 41);
    for (let e = 0; e < c90[i]; e++) if (random() < 1 / 3) c30[i]++;
    for (let e = 0; e < c30[i]; e++) if (random() < 7 / 30) c7[i]++;
    outcome[i] = random() < (c90[i] >= 20 ? 0.75 : 0.25) ? 1 : 0;
  }
  const input = {
    windows: [
      { days: 7, counts: c7 },
      { days: 30, counts: c30 },
      { days: 90, counts: c90 },
    ],
    outcome,
  };
  const result = searchThreshold(input, { seed: 7 });

  it('chooses the 90-day window and a threshold within ±3 of 20', () => {
    assert.equal(result.best.days, 90);
    assert.ok(Math.abs(result.best.threshold - 20) <= 3, `threshold ${result.best.threshold}`);
    assert.ok(result.best.youdenJ > 0.3);
  });

  it('gives a bootstrap interval that contains 20', () => {
    const { low, high } = result.thresholdInterval;
    assert.ok(low <= 20 && 20 <= high, `interval ${low}–${high}`);
    assert.ok(low <= result.best.threshold && result.best.threshold <= high);
  });

  it('reports every rate with a Wilson interval around its estimate', () => {
    for (const k of ['sensitivity', 'specificity', 'ppv', 'npv', 'reach'] as const) {
      const r = result.best[k];
      assert.ok(r.low <= r.estimate && r.estimate <= r.high, k);
      assert.ok(r.low > 0 && r.high < 1, k);
    }
    assert.equal(result.grid.length, 41 + new Set(c30).size + new Set(c7).size);
  });

  it('is deterministic given the seed', () => {
    assert.deepEqual(searchThreshold(input, { seed: 7 }), result);
  });

  it('tries every common value and quantiles of the tail when the values are many', () => {
    const wide = Float64Array.from({ length: 500 }, (_, i) => i);
    const y = Uint8Array.from({ length: 500 }, (_, i) => (i >= 250 ? 1 : 0));
    const r = searchThreshold({ windows: [{ days: 14, counts: wide }], outcome: y }, { seed: 1, bootstrap: 20 });
    // The lowest 100 distinct values (all below the 90% quantile, 449), then 1% quantiles from 91%.
    assert.deepEqual(r.grid.slice(0, 100).map((g) => g.threshold), Array.from({ length: 100 }, (_, i) => i));
    assert.deepEqual(r.grid.slice(100).map((g) => g.threshold), [454, 459, 464, 469, 474, 479, 484, 489, 494, 499]);
    const few = searchThreshold({ windows: [{ days: 14, counts: Float64Array.from({ length: 500 }, (_, i) => i % 40) }], outcome: y }, { seed: 1, bootstrap: 20 });
    assert.equal(few.grid.length, 40, 'at most 60 distinct values: all of them');
  });
});

/**
 * Accounts whose 90-day counts vary widely (a gamma-Poisson mix); retention rises gradually with
 * log(1 + count) and steps up at 20 (odds × 2.5). Shorter windows see a thinned copy.
 */
function stepWorld(n: number, seed: number) {
  const random = mulberry32(seed);
  const gamma2 = () => -Math.log(random()) - Math.log(random()); // Gamma(2, 1)
  const c90 = new Float64Array(n);
  const c30 = new Float64Array(n);
  const outcome = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const mean = 9 * gamma2();
    let k = 0;
    for (let t = -Math.log(random()); t < mean; t -= Math.log(random())) k++; // Poisson by arrivals
    c90[i] = k;
    for (let e = 0; e < k; e++) if (random() < 1 / 3) c30[i]++;
    const logit = -1.6 + 0.45 * Math.log1p(k) + (k >= 20 ? Math.log(2.5) : 0);
    outcome[i] = random() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
  }
  return { windows: [{ days: 30, counts: c30 }, { days: 90, counts: c90 }], outcome };
}

describe('searchThreshold finds a planted step under a trend', () => {
  it('covers the planted threshold with its 95% interval in at least 8 of 10 worlds', () => {
    const found = Array.from({ length: 10 }, (_, seed) => {
      const r = searchThreshold(stepWorld(1500, 100 + seed), { seed: 1 });
      return { days: r.best.days, threshold: r.best.threshold, ...r.thresholdInterval };
    });
    const covered = found.filter((f) => f.days === 90 && f.low <= 20 && 20 <= f.high);
    assert.ok(covered.length >= 8, JSON.stringify(found));
    assert.ok(found.filter((f) => Math.abs(f.threshold - 20) <= 2).length >= 7, `point estimates ${found.map((f) => f.threshold)}`);
  });

  it('reports the jump at the threshold as an odds ratio beyond the trend', () => {
    const r = searchThreshold(stepWorld(4000, 7), { seed: 1 });
    assert.equal(r.best.days, 90);
    assert.ok(r.jump.low > 1 && r.jump.low < 2.5 && 2.5 < r.jump.high, JSON.stringify(r.jump));
    assert.ok(r.windowShare > 0.8 && r.resamples === 200);
  });

  it('resamples clusters with all their units: copies of one account do not narrow the interval', () => {
    const one = stepWorld(600, 3);
    const copies = 4;
    const windows = one.windows.map((w) => ({ days: w.days, counts: Float64Array.from({ length: 600 * copies }, (_, i) => w.counts[i % 600]) }));
    const outcome = Uint8Array.from({ length: 600 * copies }, (_, i) => one.outcome[i % 600]);
    const clusters = Int32Array.from({ length: 600 * copies }, (_, i) => i % 600);
    const asClusters = searchThreshold({ windows, outcome, clusters }, { seed: 2 });
    const asUnits = searchThreshold({ windows, outcome }, { seed: 2 });
    const width = (r: typeof asUnits) => r.thresholdInterval.high - r.thresholdInterval.low;
    assert.ok(width(asClusters) > width(asUnits), `clusters ${JSON.stringify(asClusters.thresholdInterval)}, units ${JSON.stringify(asUnits.thresholdInterval)}`);
    assert.throws(() => searchThreshold({ windows, outcome, clusters: clusters.slice(1) }, { seed: 1 }), /invalid clusters length/);
  });
});

describe('searchThreshold and the reach of a milestone', () => {
  it('tries steps only where 5–95% of accounts reach the threshold: not the 2% that all retain', () => {
    // 100 accounts: the 2 with 40 closed conversations retain, and so do those with 3 or 4 by half.
    const counts = f64(Array.from({ length: 100 }, (_, i) => (i < 2 ? 40 : i % 5)));
    const outcome = u8(Array.from({ length: 100 }, (_, i) => (i < 2 || (i % 5 >= 3 && i % 2 === 0) ? 1 : 0)));
    const r = searchThreshold({ windows: [{ days: 7, counts }], outcome }, { seed: 5, actionLabel: 'closed conversations' });
    assert.ok(r.best.threshold <= 4, `threshold ${r.best.threshold}`);
    assert.ok(r.best.reach.estimate >= 0.05 && r.best.reach.estimate <= 0.95);
    assert.deepEqual(reachWarnings(r.warnings), []);
  });

  it('warns when no threshold is within those bounds, and says which trap it is', () => {
    // 100 accounts: 97 with one event or more, 3 with none.
    const counts = f64(Array.from({ length: 100 }, (_, i) => (i < 3 ? 0 : 1)));
    const outcome = u8(Array.from({ length: 100 }, (_, i) => (i < 3 ? 0 : 1)));
    const r = searchThreshold({ windows: [{ days: 30, counts }], outcome }, { seed: 5 });
    assert.equal(r.best.threshold, 1);
    const ws = reachWarnings(r.warnings);
    assert.equal(ws.length, 1);
    assert.match(ws[0], /^97% of accounts reach 1 events in 30 days: a milestone almost everybody reaches/);
    const rare = searchThreshold({ windows: [{ days: 7, counts: f64(Array.from({ length: 100 }, (_, i) => (i < 2 ? 40 : 0))) }], outcome: u8(Array.from({ length: 100 }, (_, i) => (i < 2 ? 1 : 0))) }, { seed: 5, actionLabel: 'closed conversations' });
    assert.equal(rare.best.threshold, 40);
    assert.match(reachWarnings(rare.warnings)[0], /^only 2% of accounts reach 40 closed conversations in 7 days: .*1% activate, 100% retain/);
    assert.match(rare.warnings.at(-1)!, /^\d+ of 200 bootstrap resamples held only retained or only churned accounts/);
  });

  it('takes custom bounds', () => {
    const counts = f64([0, 1, 2, 2, 1, 3, 4, 5, 3, 6]);
    const outcome = u8([0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
    const r = searchThreshold({ windows: [{ days: 7, counts }], outcome }, { seed: 1, narrowBelow: 0.6 });
    assert.ok(r.best.reach.estimate >= 0.6, `reach ${r.best.reach.estimate}`);
    assert.throws(() => searchThreshold({ windows: [{ days: 7, counts }], outcome }, { seed: 1, broadAbove: 2 }), /invalid broadAbove: 2/);
  });
});

describe('searchThreshold input checks', () => {
  const counts = f64([0, 1, 2, 3]);
  const outcome = u8([0, 0, 1, 1]);
  const ok = { windows: [{ days: 7, counts }], outcome };

  it('rejects an outcome whose length differs from the counts', () => {
    assert.throws(
      () => searchThreshold({ windows: [{ days: 7, counts }], outcome: u8([0, 1, 1]) }, { seed: 1 }),
      /^Error: invalid outcome length: 3 \(window of 7 days has 4 accounts\)$/,
    );
    assert.throws(() => searchThreshold({ windows: [], outcome }, { seed: 1 }), /invalid windows/);
    assert.throws(
      () => searchThreshold({ windows: [{ days: 7, counts: f64([]) }], outcome: u8([]) }, { seed: 1 }),
      /invalid outcome length: 0/,
    );
  });

  it('rejects bad outcomes, counts, days and options', () => {
    assert.throws(() => searchThreshold({ ...ok, outcome: u8([0, 2, 1, 1]) }, { seed: 1 }), /invalid outcome: 2/);
    assert.throws(() => searchThreshold({ ...ok, outcome: u8([1, 1, 1, 1]) }, { seed: 1 }), /invalid outcome: 4 of 4/);
    assert.throws(
      () => searchThreshold({ ...ok, windows: [{ days: 7, counts: f64([0, -1, 2, 3]) }] }, { seed: 1 }),
      /invalid count: -1/,
    );
    assert.throws(
      () => searchThreshold({ ...ok, windows: [{ days: 0, counts }] }, { seed: 1 }),
      /invalid days: 0/,
    );
    assert.throws(() => searchThreshold(ok, { seed: 1.5 }), /invalid seed: 1.5/);
    assert.throws(() => searchThreshold(ok, { seed: 1, bootstrap: 0 }), /invalid bootstrap: 0/);
    assert.throws(() => searchThreshold(ok, { seed: 1, candidates: [] }), /invalid candidates/);
    assert.throws(() => searchThreshold(ok, { seed: 1, candidates: [NaN] }), /invalid candidate: NaN/);
    assert.throws(() => searchThreshold(ok, { seed: 1, narrowBelow: 2 }), /invalid narrowBelow: 2/);
  });
});
