import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { benjaminiHochberg, holm } from '../../src/stats/index.js';
import { assertClose } from './helpers.js';

function assertAllClose(actual: number[], expected: number[], tolerance: number): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((x, i) => assertClose(x, expected[i], tolerance, `q[${i}]`));
}

describe('benjaminiHochberg', () => {
  test('hand-worked, with the step-up minimum at work and the input order kept', () => {
    // Sorted: 0.005·4/1 = 0.02, 0.01·4/2 = 0.02, 0.03·4/3 = 0.04, 0.04·4/4 = 0.04.
    // [0.01, 0.04, 0.03, 0.005] → [0.02, 0.04, 0.04, 0.02].
    assertAllClose(benjaminiHochberg([0.01, 0.04, 0.03, 0.005]), [0.02, 0.04, 0.04, 0.02], 1e-15);
    // Sorted 0.01, 0.03, 0.035 give raw p·m/rank = 0.03, 0.045, 0.035: rank 2 takes rank 3's 0.035.
    assertAllClose(benjaminiHochberg([0.035, 0.01, 0.03]), [0.035, 0.03, 0.035], 1e-15);
  });

  test('the 15 p-values of Benjamini & Hochberg (1995), JRSS-B 57:289: four discoveries at 0.05', () => {
    const p = [0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.324, 0.4262, 0.5719, 0.6528, 0.759, 1];
    const q = benjaminiHochberg(p);
    assert.equal(q.filter((x) => x <= 0.05).length, 4);
    // By hand (m = 15): 0.0001·15 = 0.0015, 0.0004·15/2 = 0.003, 0.0019·15/3 = 0.0095,
    // 0.0095·15/4 = 0.035625; rank 5 takes min(0.0201·3, 0.0278·15/6, 0.0298·15/7, …) = 0.0603,
    // ranks 6 and 7 take 0.0298·15/7 = 0.063857; rank 10: 0.324·15/10 = 0.486.
    assertAllClose(q.slice(0, 7), [0.0015, 0.003, 0.0095, 0.035625, 0.0603, 0.0298 * 15 / 7, 0.0298 * 15 / 7], 1e-12);
    assertClose(q[9], 0.486, 1e-12);
    assert.equal(q[14], 1);
  });

  test('q-values are monotone in p and never below p', () => {
    const p = [0.3, 0.001, 0.2, 0.04, 0.9, 0.04, 0.011];
    const q = benjaminiHochberg(p);
    const order = p.map((_, i) => i).sort((i, j) => p[i] - p[j]);
    for (let k = 1; k < order.length; k++) assert.ok(q[order[k]] >= q[order[k - 1]]);
    p.forEach((x, i) => assert.ok(q[i] >= x && q[i] <= 1));
  });

  test('NaN p-values stay NaN and do not count towards m (as R p.adjust)', () => {
    const q = benjaminiHochberg([0.01, NaN, 0.04]);
    assert.ok(Number.isNaN(q[1]));
    assertClose(q[0], 0.02, 1e-15);
    assertClose(q[2], 0.04, 1e-15);
  });

  test('empty in, empty out; a single p-value is unchanged', () => {
    assert.deepEqual(benjaminiHochberg([]), []);
    assert.deepEqual(benjaminiHochberg([0.37]), [0.37]);
  });

  test('p-values outside [0, 1] name the index and value', () => {
    assert.throws(() => benjaminiHochberg([0.1, 1.2]), /^Error: invalid pValues\[1\]: 1.2$/);
    assert.throws(() => benjaminiHochberg([-0.1]), /^Error: invalid pValues\[0\]: -0.1$/);
  });
});

describe('holm', () => {
  test('hand-worked, with the step-down maximum at work and the input order kept (as R p.adjust "holm")', () => {
    // Sorted: 0.005·4 = 0.02, 0.01·3 = 0.03, 0.03·2 = 0.06, 0.04·1 = 0.04 → running max 0.06.
    assertAllClose(holm([0.01, 0.04, 0.03, 0.005]), [0.03, 0.06, 0.06, 0.02], 1e-15);
    // R: p.adjust(c(0.02, NA, 0.5), "holm") = 0.04 NA 0.5; capped at 1.
    const q = holm([0.02, NaN, 0.5]);
    assertClose(q[0], 0.04, 1e-15);
    assert.ok(Number.isNaN(q[1]));
    assertClose(q[2], 0.5, 1e-15);
    assert.deepEqual(holm([0.6, 0.7]), [1, 1]);
  });

  test('rejects p-values outside [0, 1]', () => {
    assert.throws(() => holm([0.1, 1.5]), /invalid pValues\[1\]: 1.5/);
  });
});
