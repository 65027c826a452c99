import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { univariateEvidence } from '../../src/discover/index.js';
import { fisherExactTest2x2, riskDifference, wilsonInterval } from '../../src/stats/index.js';

const close = (actual: number, expected: number, tol = 1e-9, what = '') =>
  assert.ok(Math.abs(actual - expected) <= tol, `${what} ${actual} vs ${expected}`);

/** Accounts 0..n-1; `usedBy(i)` and `keep(i)` decide usage and retention. */
const vector = (n: number, f: (i: number) => boolean) => Uint8Array.from({ length: n }, (_, i) => (f(i) ? 1 : 0));

describe('univariateEvidence', () => {
  // 100 accounts; accounts 0..39 use the feature and 30 of them retain; of 40..99, 30 retain.
  const n = 100;
  const retained = Array.from({ length: n }, (_, i) => (i < 40 ? i < 30 : i < 70));

  it('reports counts, Wilson retention, RR, RD and a chi-square p worked out by hand', () => {
    const [e] = univariateEvidence({ retained, used: [vector(n, (i) => i < 40)], keys: ['sent message'] });
    assert.equal(e.key, 'sent message');
    assert.equal(e.users, 40);
    assert.equal(e.nonUsers, 60);
    assert.equal(e.prevalence, 0.4);
    assert.deepEqual(e.retentionUsers, wilsonInterval(30, 40));
    assert.deepEqual(e.retentionNonUsers, wilsonInterval(30, 60));
    assert.equal(e.retentionUsers.estimate, 0.75);
    close(e.riskRatio.estimate, 1.5);
    // Katz: se = sqrt(1/30 − 1/40 + 1/30 − 1/60) = sqrt(0.025); 1.5·exp(±1.959964·se).
    const se = Math.sqrt(1 / 30 - 1 / 40 + 1 / 30 - 1 / 60);
    close(e.riskRatio.low, 1.5 * Math.exp(-1.959963984540054 * se), 1e-9, 'RR low');
    close(e.riskRatio.high, 1.5 * Math.exp(1.959963984540054 * se), 1e-9, 'RR high');
    assert.deepEqual(e.riskDifference, riskDifference(30, 40, 30, 60));
    close(e.riskDifference.estimate, 0.25);
    // Smallest expected cell 40·40/100 = 16 ≥ 5: chi-square = 100·(30·30 − 10·30)² / (40·60·60·40) = 6.25,
    // whose upper tail with 1 df is 2·(1 − Φ(2.5)) = 0.0124193.
    assert.equal(e.test, 'chi_square');
    close(e.pValue!, 0.012419330651552318, 1e-9, 'p');
    close(e.qValue!, e.pValue!, 0, 'q of a family of one');
    assert.equal(e.tooLittleData, null);
    assert.deepEqual(e.stratified, {});
  });

  it('uses Fisher when an expected cell is below 5: [[5, 0], [0, 5]] gives p = 2 / C(10, 5)', () => {
    const m = 10;
    const [e] = univariateEvidence({ retained: Array.from({ length: m }, (_, i) => i < 5), used: [vector(m, (i) => i < 5)], keys: ['k'] });
    assert.equal(e.test, 'fisher');
    close(e.pValue!, 2 / 252, 1e-12);
    assert.equal(e.pValue, fisherExactTest2x2(5, 0, 0, 5).pValue);
    // A zero cell: the ratio uses the table plus 0.5 per cell: (5.5/6) / (0.5/6) = 11.
    close(e.riskRatio.estimate, 11);
  });

  it('leaves features with too little data out: no p, no q, and out of the BH family', () => {
    const evidence = univariateEvidence({
      retained,
      used: [vector(n, (i) => i < 40), vector(n, (i) => i === 0 || i === 50 || i === 51), vector(n, (i) => i % 2 === 0), vector(n, (i) => i !== 5)],
      keys: ['a', 'rare', 'b', 'nearly all'],
    });
    const [a, rare, b, all] = evidence;
    assert.equal(rare.users, 3);
    assert.equal(rare.tooLittleData, 'used by 3 accounts; at least 5 are needed to judge');
    assert.equal(rare.pValue, null);
    assert.equal(rare.qValue, null);
    assert.equal(rare.test, null);
    assert.deepEqual(rare.stratified, {});
    assert.deepEqual(rare.retentionUsers, wilsonInterval(3, 3)); // still described: accounts 0, 50, 51 all retain
    assert.equal(all.nonUsers, 1);
    assert.match(all.tooLittleData!, /not used by only 1 account; at least 5 non-users/);
    assert.equal(all.pValue, null);

    // BH over the two tested features only (m = 2): sorted p(1) ≤ p(2); q(2) = p(2), q(1) = min(2·p(1), p(2)).
    const [lo, hi] = [a.pValue!, b.pValue!].sort((x, y) => x - y);
    const qLo = Math.min(2 * lo, hi);
    const byP = (p: number) => (p === lo ? qLo : hi);
    close(a.qValue!, byP(a.pValue!), 1e-15, 'q a');
    close(b.qValue!, byP(b.pValue!), 1e-15, 'q b');
    assert.ok(a.qValue! >= a.pValue! && b.qValue! >= b.pValue!);
  });

  it('computes BH q-values by hand over five features', () => {
    // Five features on the same 100 accounts with different strengths; q(i) = min_{j ≥ i} p(j)·5/j.
    const used = [
      vector(n, (i) => i < 40),
      vector(n, (i) => i < 20 || (i >= 40 && i < 60)),
      vector(n, (i) => i % 3 === 0),
      vector(n, (i) => i >= 60),
      vector(n, (i) => i % 5 === 0),
    ];
    const ev = univariateEvidence({ retained, used, keys: ['f1', 'f2', 'f3', 'f4', 'f5'] });
    const ps = ev.map((e) => e.pValue!);
    const order = ps.map((p, i) => ({ p, i })).sort((x, y) => x.p - y.p);
    const expected = new Array<number>(5);
    let running = 1;
    for (let rank = 5; rank >= 1; rank--) {
      running = Math.min(running, (order[rank - 1].p * 5) / rank);
      expected[order[rank - 1].i] = running;
    }
    ev.forEach((e, i) => close(e.qValue!, expected[i], 1e-15, e.key));
  });

  it('pools the lift over strata with CMH: a plan confounder makes the stratified RR 1', () => {
    // 40 premium accounts retain 32 (80%) whether or not they use the feature (20 use it, 16
    // retain; 20 do not, 16 retain); 160 basic accounts retain 64 (40%) and never use it.
    const m = 200;
    const plan = Array.from({ length: m }, (_, i) => (i < 40 ? 'premium' : 'basic'));
    const keep = Array.from({ length: m }, (_, i) => (i < 20 ? i < 16 : i < 40 ? i < 36 : i < 104));
    const [e] = univariateEvidence({ retained: keep, used: [vector(m, (i) => i < 20)], keys: ['niche'], strata: [{ name: 'plan', values: plan }] });
    // Crude: 16/20 against 80/180.
    close(e.riskRatio.estimate, 0.8 / (80 / 180));
    assert.ok(e.riskRatio.low > 1);
    assert.ok(e.pValue! < 0.01, `p ${e.pValue}`);
    const s = e.stratified.plan;
    close(s.riskRatio.estimate, 1, 1e-12);
    assert.ok(s.riskRatio.low < 1 && s.riskRatio.high > 1);
    assert.ok(s.pValue! > 0.5);
    assert.equal(s.strataUsed, 2);
  });

  it('rejects mismatched lengths', () => {
    assert.throws(() => univariateEvidence({ retained: [true, false], used: [new Uint8Array(3)], keys: ['x'] }), /invalid used\[0\]/);
    assert.throws(() => univariateEvidence({ retained: [true], used: [], keys: ['x'] }), /invalid used/);
    assert.throws(
      () => univariateEvidence({ retained: [true], used: [new Uint8Array(1)], keys: ['x'], strata: [{ name: 'plan', values: [] }] }),
      /invalid strata plan/,
    );
  });
});
