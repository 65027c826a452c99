import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rankSetupSteps, type SetupCandidate } from '../../src/discover/setup-steps.js';
import { chiSquareUpperTail, mulberry32, phiCoefficient, riskRatio } from '../../src/stats/index.js';

const close = (actual: number, expected: number, tol = 1e-9, what = '') =>
  assert.ok(Math.abs(actual - expected) <= tol, `${what} ${actual} vs ${expected}`);

interface Planted {
  key: string;
  prevalence: number;
  /** First day is uniform on [from, to). */
  from: number;
  to: number;
}

/** Draws who did each step (independently) and when; `activation(did, i)` gives each account's chance. */
function plant(n: number, seed: number, steps: Planted[], activation: (did: (key: string) => boolean) => number) {
  const random = mulberry32(seed);
  const candidates: SetupCandidate[] = steps.map((s) => {
    const [action, ...rest] = s.key.split(' ');
    return { key: s.key, action, object: rest.join(' '), done: new Uint8Array(n), firstDay: new Float64Array(n).fill(NaN) };
  });
  const activated = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    steps.forEach((s, j) => {
      if (random() < s.prevalence) {
        candidates[j].done[i] = 1;
        candidates[j].firstDay[i] = s.from + random() * (s.to - s.from);
      }
    });
    const did = (key: string) => candidates[steps.findIndex((s) => s.key === key)].done[i] === 1;
    activated[i] = random() < activation(did) ? 1 : 0;
  }
  return { candidates, activated, windowDays: 30, outcome: 'activation' };
}

describe('rankSetupSteps', () => {
  // 3000 accounts. Three driver steps raise the chance of activation by 0.25 each; two routine
  // steps are done by 98% (and skipping one halves the chance, so they are associated too);
  // two noise steps have nothing to do with activation.
  const drivers = ['create inbox', 'install messenger', 'invite teammate'];
  const routine = ['log in', 'view dashboard'];
  const noise = ['export csv', 'edit profile'];
  const planted = plant(
    3000,
    7,
    [
      { key: 'create inbox', prevalence: 0.55, from: 0, to: 3 },
      { key: 'install messenger', prevalence: 0.45, from: 2, to: 6 },
      { key: 'invite teammate', prevalence: 0.4, from: 5, to: 13 },
      { key: 'log in', prevalence: 0.98, from: 0, to: 1 },
      { key: 'view dashboard', prevalence: 0.98, from: 0, to: 2 },
      { key: 'export csv', prevalence: 0.3, from: 10, to: 20 },
      { key: 'edit profile', prevalence: 0.6, from: 3, to: 11 },
    ],
    (did) => {
      let p = 0.08 + 0.25 * drivers.filter(did).length;
      for (const r of routine) if (!did(r)) p /= 2;
      return p;
    },
  );
  const evidence = rankSetupSteps(planted);
  const byKey = new Map(evidence.candidates.map((c) => [c.key, c]));

  it('chooses the three drivers with strong evidence', () => {
    for (const key of drivers) {
      const c = byKey.get(key)!;
      assert.equal(c.chosen, true, key);
      assert.ok(c.phi.low > 0 && c.q_value! < 0.05, `${key}: phi ${JSON.stringify(c.phi)}, q ${c.q_value}`);
      assert.ok(c.lift.low > 1, `${key}: lift ${JSON.stringify(c.lift)}`);
      assert.match(c.reason, /^done by \d+% of accounts; activation [\d.]+× \(95% CI [\d.]+–[\d.]+\) when done; phi /);
      assert.doesNotMatch(c.reason, /weak/);
    }
  });

  it('leaves the routine steps out because almost everyone does them, though they are associated', () => {
    for (const key of routine) {
      const c = byKey.get(key)!;
      assert.equal(c.chosen, false, key);
      assert.ok(c.prevalence > 0.95, `${key}: prevalence ${c.prevalence}`);
      assert.match(c.reason, /^done by 9\d% of accounts: too routine to mark progress \(more than 95% do it\)/);
      assert.ok(c.phi.estimate > 0, `${key}: phi ${c.phi.estimate}`);
    }
  });

  it('never pads the list with the noise steps: only the three with clear evidence are chosen', () => {
    assert.equal(evidence.steps.length, 3);
    for (const key of noise) {
      const c = byKey.get(key)!;
      assert.equal(c.chosen, false, key);
      assert.match(c.reason, /no clear positive association with activation/);
    }
  });

  it('orders the steps by the median first day', () => {
    // Planted first days: uniform on [0,3), [2,6), [5,13): medians ≈ 1.5, 4, 9.
    assert.deepEqual(evidence.steps, ['create inbox', 'install messenger', 'invite teammate']);
    const days = evidence.steps.map((k) => byKey.get(k)!.median_first_day!);
    for (let i = 1; i < days.length; i++) assert.ok(days[i - 1] <= days[i], `${days}`);
    close(byKey.get('create inbox')!.median_first_day!, 1.5, 0.15, 'median day');
    // Candidates list the chosen steps first, in checklist order.
    assert.deepEqual(evidence.candidates.slice(0, 3).map((c) => c.key), evidence.steps);
  });

  it('picks at_least by Youden J over "did at least k of the chosen steps"', () => {
    const { activated } = planted;
    const done = evidence.steps.map((k) => planted.candidates.find((c) => c.key === k)!.done);
    const count = Array.from(activated, (_, i) => done.reduce((s, d) => s + d[i], 0));
    const positives = activated.reduce((s, y) => s + y, 0);
    const j = (k: number) => {
      let tp = 0;
      let fp = 0;
      count.forEach((c, i) => {
        if (c >= k) activated[i] ? tp++ : fp++;
      });
      return tp / positives - fp / (activated.length - positives);
    };
    const js = [1, 2, 3].map(j);
    assert.equal(evidence.at_least, js.indexOf(Math.max(...js)) + 1, `J by k: ${js}`);
    // With 2 noise steps in 5, the best cut sits in the middle, not at the extremes.
    assert.ok(evidence.at_least >= 2 && evidence.at_least <= 4, `at_least ${evidence.at_least}`);
  });

  it('reports the window, outcome, bounds and BH q-values over all tested candidates', () => {
    assert.equal(evidence.window_days, 30);
    assert.equal(evidence.outcome, 'activation');
    assert.deepEqual(evidence.prevalence_bounds, { low: 0.15, high: 0.95 });
    assert.equal(evidence.candidates.length, 7);
    const ps = evidence.candidates.map((c) => c.p_value!).sort((a, b) => a - b);
    const largest = evidence.candidates.find((c) => c.p_value === ps[6])!;
    close(largest.q_value!, Math.min(1, largest.p_value!), 1e-12, 'q of the largest p');
    for (const c of evidence.candidates) assert.ok(c.q_value! >= c.p_value!, c.key);
  });

  it('caps the list at nine, saying why the rest were left out', () => {
    const keys = Array.from({ length: 12 }, (_, j) => `do thing${String(j).padStart(2, '0')}`);
    const data = plant(
      2000,
      3,
      keys.map((key, j) => ({ key, prevalence: 0.5, from: j, to: j + 1 })),
      (did) => 0.05 + 0.075 * keys.filter(did).length,
    );
    const e = rankSetupSteps(data);
    assert.equal(e.steps.length, 9);
    const left = e.candidates.filter((c) => !c.chosen);
    assert.equal(left.length, 3);
    const lowestChosen = Math.min(...e.candidates.filter((c) => c.chosen).map((c) => c.phi.estimate));
    for (const c of left) {
      assert.match(c.reason, /but 9 steps correlate more strongly and at most 9 are chosen$/);
      assert.ok(c.phi.estimate <= lowestChosen);
    }
    // First days are planted in key order, so the checklist keeps that order.
    assert.deepEqual(e.steps, [...e.steps].sort());
  });

  it('leaves a niche step out even when it predicts activation strongly', () => {
    const data = plant(
      2000,
      11,
      [
        { key: 'buy premium', prevalence: 0.05, from: 0, to: 5 },
        { key: 'create inbox', prevalence: 0.5, from: 0, to: 5 },
      ],
      (did) => (did('buy premium') ? 0.95 : 0.2) + (did('create inbox') ? 0.15 : 0),
    );
    const e = rankSetupSteps(data, { maxSteps: 3 });
    const niche = e.candidates.find((c) => c.key === 'buy premium')!;
    assert.equal(niche.chosen, false);
    assert.ok(niche.lift.estimate > 3);
    assert.match(niche.reason, /^done by \d% of accounts: too niche to guide most accounts \(fewer than 15% do it\)/);
    assert.deepEqual(e.steps, ['create inbox']);
    assert.equal(e.at_least, 1);
  });

  it('hand-worked: 20 accounts, one step whose association is not significant, so not chosen', () => {
    // Did it: accounts 0..9, 8 of them activated; did not: 10..19, 3 activated.
    const n = 20;
    const activated = Uint8Array.from({ length: n }, (_, i) => (i < 8 || (i >= 10 && i < 13) ? 1 : 0));
    const done = Uint8Array.from({ length: n }, (_, i) => (i < 10 ? 1 : 0));
    const firstDay = Float64Array.from({ length: n }, (_, i) => (i < 10 ? i : NaN));
    const e = rankSetupSteps(
      { candidates: [{ key: 'create inbox', action: 'create', object: 'inbox', done, firstDay }], activated, windowDays: 14, outcome: 'activation' },
    );
    const [c] = e.candidates;
    assert.equal(c.prevalence, 0.5);
    assert.deepEqual(c.phi, phiCoefficient(8, 2, 3, 7));
    const rr = riskRatio(8, 10, 3, 10);
    assert.deepEqual(c.lift, { estimate: rr.estimate, low: rr.low, high: rr.high });
    close(c.lift.estimate, 0.8 / 0.3, 1e-12);
    // Smallest expected cell 10·9/20 = 4.5 < 5, so Fisher's exact test; scipy.stats.fisher_exact
    // ([[8, 2], [3, 7]]) and R's fisher.test give p = 0.0697785.
    close(c.p_value!, 0.0697785187, 1e-9, 'p');
    assert.equal(c.q_value, c.p_value);
    assert.equal(c.median_first_day, 4.5); // days 0..9
    // q = 0.07 ≥ 0.05: not a clear association, so it is not chosen and nothing pads the list.
    assert.equal(c.chosen, false);
    assert.deepEqual(e.steps, []);
    assert.equal(e.at_least, 0);
    assert.equal(
      c.reason,
      `done by 50% of accounts; activation 2.7× (95% CI ${rr.low.toPrecision(2)}–${rr.high.toPrecision(2)}) when done; ` +
        `phi 0.50 (${c.phi.low.toFixed(2)} to ${c.phi.high.toFixed(2)}); q = 0.07: no clear positive association with activation (q ≥ 0.05)`,
    );
  });

  it('a uniform outcome: nothing can be compared, nothing chosen', () => {
    const n = 30;
    const done = Uint8Array.from({ length: n }, (_, i) => i % 2);
    const e = rankSetupSteps({
      candidates: [{ key: 'create inbox', action: 'create', object: 'inbox', done, firstDay: new Float64Array(n).fill(NaN) }],
      activated: new Uint8Array(n).fill(1),
      windowDays: 14,
      outcome: 'activation',
    });
    const [c] = e.candidates;
    assert.equal(c.p_value, null);
    assert.equal(c.q_value, null);
    assert.ok(Number.isNaN(c.phi.estimate));
    assert.equal(c.median_first_day, null);
    assert.equal(c.chosen, false);
    assert.match(c.reason, /activation cannot be compared: every account reached activation/);
    assert.deepEqual(e.steps, []);
    assert.equal(e.at_least, 0);
  });

  it('invalid input names the value', () => {
    const one = (done: Uint8Array, firstDay = new Float64Array(done.length)) => ({
      candidates: [{ key: 'a b', action: 'a', object: 'b', done, firstDay }],
      activated: Uint8Array.of(1, 0, 1),
      windowDays: 14,
      outcome: 'activation',
    });
    assert.throws(() => rankSetupSteps(one(Uint8Array.of(1, 0))), /^Error: invalid done length: 2 for a b \(expected 3\)$/);
    assert.throws(() => rankSetupSteps(one(Uint8Array.of(1, 2, 0))), /^Error: invalid done: 2 for a b at account 1/);
    assert.throws(() => rankSetupSteps(one(Uint8Array.of(1, 0, 0), Float64Array.of(0, -1, 0))), /^Error: invalid firstDay: -1/);
    assert.throws(() => rankSetupSteps(one(Uint8Array.of(1, 0, 0)), { maxSteps: 0 }), /^Error: invalid maxSteps: 0/);
    assert.throws(() => rankSetupSteps(one(Uint8Array.of(1, 0, 0)), { prevalenceLow: 0.9, prevalenceHigh: 0.5 }), /^Error: invalid prevalenceLow: 0.9/);
    assert.throws(() => rankSetupSteps({ ...one(new Uint8Array(0)), activated: new Uint8Array(0) }), /^Error: invalid activated length: 0/);
  });
});
