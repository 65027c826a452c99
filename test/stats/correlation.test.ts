import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { phiCoefficient } from '../../src/stats/index.js';
import { assertClose, assertInterval } from './helpers.js';

/** Pearson correlation of the 0/1 vectors a 2×2 table stands for (rows: x = 1, 0; columns: y = 1, 0). */
function pearsonOfTable(a: number, b: number, c: number, d: number): number {
  const x = [...Array(a + b).fill(1), ...Array(c + d).fill(0)];
  const y = [...Array(a).fill(1), ...Array(b).fill(0), ...Array(c).fill(1), ...Array(d).fill(0)];
  const n = x.length;
  const mx = x.reduce((s, v) => s + v, 0) / n;
  const my = y.reduce((s, v) => s + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

describe('phiCoefficient (Fisher z interval)', () => {
  test('hand-worked: [[30, 10], [20, 40]]', () => {
    // phi = (30·40 − 10·20)/√(40·60·50·50) = 1000/√6,000,000 = 1/√6 = 0.4082483, by hand.
    // Fisher z: atanh(0.4082483) = 0.4335074; se = 1/√97 = 0.1015346; 1.959964·se = 0.1990042;
    // tanh(0.2345032) = 0.2302971 and tanh(0.6325116) = 0.5597792. The same limits come from
    // scipy.stats.pearsonr(x, y).confidence_interval(0.95) on the 100 0/1 pairs (0.230297088,
    // 0.559779192), which is R's cor.test(x, y)$conf.int: both use atanh(r) ± z/√(n − 3).
    const phi = phiCoefficient(30, 10, 20, 40);
    assertClose(phi.estimate, 1 / Math.sqrt(6), 1e-12);
    assertInterval(phi, 0.2302970885, 0.5597791921, 1e-9);
  });

  test('equals the Pearson correlation of the 0/1 vectors', () => {
    for (const [a, b, c, d] of [[30, 10, 20, 40], [5, 20, 15, 10], [12, 3, 4, 11], [1, 7, 9, 2]]) {
      assertClose(phiCoefficient(a, b, c, d).estimate, pearsonOfTable(a, b, c, d), 1e-12, `${[a, b, c, d]}`);
    }
  });

  test('hand-worked: [[12, 3], [4, 11]] at 95% and 90%', () => {
    // phi = (132 − 12)/√(15·15·16·14) = 120/√50,400 = 0.5345225; atanh = 0.5964554;
    // se = 1/√27 = 0.1924501; ±1.959964·se = ±0.3771952 → tanh(0.2192601) = 0.2158128,
    // tanh(0.9736506) = 0.7503041. scipy pearsonr: 95% (0.215812755, 0.750304138),
    // 90% (0.272815430, 0.722572675).
    const phi = phiCoefficient(12, 3, 4, 11);
    assertClose(phi.estimate, 120 / Math.sqrt(50_400), 1e-12);
    assertInterval(phi, 0.215812755, 0.750304138, 1e-8);
    assertInterval(phiCoefficient(12, 3, 4, 11, 0.9), 0.27281543, 0.722572675, 1e-8);
  });

  test('a negative association: [[5, 20], [15, 10]]', () => {
    // phi = (50 − 300)/√(25·25·20·30) = −250/√375,000 = −0.4082483;
    // scipy pearsonr: 95% (−0.616535958, −0.146554263).
    const phi = phiCoefficient(5, 20, 15, 10);
    assertClose(phi.estimate, -1 / Math.sqrt(6), 1e-12);
    assertInterval(phi, -0.616535958, -0.146554263, 1e-8);
  });

  test('swapping the rows negates the estimate and mirrors the interval', () => {
    const phi = phiCoefficient(30, 10, 20, 40);
    const swapped = phiCoefficient(20, 40, 30, 10);
    assertClose(swapped.estimate, -phi.estimate, 1e-12);
    assertClose(swapped.low, -phi.high, 1e-12);
    assertClose(swapped.high, -phi.low, 1e-12);
  });

  test('an empty margin: NaN and [−1, 1]', () => {
    for (const [a, b, c, d] of [[0, 0, 5, 5], [5, 5, 0, 0], [0, 5, 0, 5], [5, 0, 5, 0], [0, 0, 0, 0]]) {
      const phi = phiCoefficient(a, b, c, d);
      assert.ok(Number.isNaN(phi.estimate), `${[a, b, c, d]}`);
      assert.equal(phi.low, -1);
      assert.equal(phi.high, 1);
    }
  });

  test('perfect association: 1 (or −1) with a collapsed interval', () => {
    assert.deepEqual(phiCoefficient(10, 0, 0, 10), { estimate: 1, low: 1, high: 1 });
    assert.deepEqual(phiCoefficient(0, 10, 10, 0), { estimate: -1, low: -1, high: -1 });
  });

  test('three accounts or fewer: the estimate, but the whole range', () => {
    const phi = phiCoefficient(1, 0, 1, 1);
    assertClose(phi.estimate, 0.5, 1e-12); // (1·1 − 0·1)/√(1·2·2·1) = 1/2
    assert.equal(phi.low, -1);
    assert.equal(phi.high, 1);
  });

  test('invalid input names the value', () => {
    assert.throws(() => phiCoefficient(-1, 2, 3, 4), /^Error: invalid a: -1$/);
    assert.throws(() => phiCoefficient(1, 2.5, 3, 4), /^Error: invalid b: 2.5$/);
    assert.throws(() => phiCoefficient(1, 2, 3, 4, 1.5), /^Error: invalid confidence: 1.5$/);
  });
});
