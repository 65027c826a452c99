import { checkCount } from './validate.js';

/**
 * Population stability index of a distribution over bins, `actual` against `expected`
 * (counts per bin, same bins): Σ (a_i − e_i) · ln(a_i / e_i) over the bins' shares. Common
 * reading: below 0.1 stable, 0.1–0.25 a moderate shift, above 0.25 a large one. A bin empty
 * on either side would make it infinite, so then half an account is added to every bin of
 * both (as a continuity correction does). NaN when either side has no accounts.
 */
export function populationStability(expected: readonly number[], actual: readonly number[]): number {
  if (!Array.isArray(expected) || !Array.isArray(actual)) throw new Error(`invalid bins: ${String(expected)}, ${String(actual)}`);
  if (expected.length !== actual.length || expected.length < 2) throw new Error(`invalid bins: ${expected.length} expected, ${actual.length} actual (need the same bins, at least 2)`);
  expected.forEach((v, i) => checkCount(`expected[${i}]`, v));
  actual.forEach((v, i) => checkCount(`actual[${i}]`, v));
  const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
  if (sum(expected) === 0 || sum(actual) === 0) return NaN;
  const add = [...expected, ...actual].includes(0) ? 0.5 : 0;
  const e = expected.map((v) => v + add);
  const a = actual.map((v) => v + add);
  const te = sum(e);
  const ta = sum(a);
  let psi = 0;
  for (let i = 0; i < e.length; i++) {
    const pe = e[i] / te;
    const pa = a[i] / ta;
    psi += (pa - pe) * Math.log(pa / pe);
  }
  return psi;
}
