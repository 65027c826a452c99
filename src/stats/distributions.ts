import jStat from 'jstat';

const EPSILON = 1e-16;
const TINY = 1e-300;
const MAX_ITERATIONS = 100_000;

/** Two-sided critical value z such that P(|Z| ≤ z) = confidence. */
export function normalCritical(confidence: number): number {
  return jStat.normal.inv(1 - (1 - confidence) / 2, 0, 1);
}

/**
 * Upper tail P(X ≥ x) of the chi-square distribution with `df` degrees of freedom.
 * Computed as Q(df/2, x/2) directly (not 1 − CDF), so tiny p-values keep their digits.
 */
export function chiSquareUpperTail(x: number, df: number): number {
  if (!(df > 0)) throw new Error(`invalid df: ${df}`);
  if (Number.isNaN(x)) return NaN;
  if (x <= 0) return 1;
  if (x === Infinity) return 0;
  return upperRegularizedGamma(df / 2, x / 2);
}

/** Two-sided p-value of a standard normal statistic. */
export function normalTwoSidedP(z: number): number {
  return chiSquareUpperTail(z * z, 1);
}

/** ln(n!) for a non-negative integer: exact sums below 256, Stirling's series above. */
export function logFactorial(n: number): number {
  if (!Number.isInteger(n) || n < 0) throw new Error(`invalid n: ${n}`);
  if (n < LOG_FACTORIALS.length) return LOG_FACTORIALS[n];
  const x = n + 1;
  const x2 = x * x;
  // Truncation error is below 1/(1680 x^7), far under double precision for x > 256.
  return (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + 1 / (12 * x) - 1 / (360 * x * x2) + 1 / (1260 * x * x2 * x2);
}

const LOG_FACTORIALS: number[] = (() => {
  const table = [0];
  for (let k = 1; k < 256; k++) table.push(table[k - 1] + Math.log(k));
  return table;
})();

/** Q(a, x) = Γ(a, x)/Γ(a): series for x < a + 1, Lentz's continued fraction otherwise. */
function upperRegularizedGamma(a: number, x: number): number {
  const logPrefix = -x + a * Math.log(x) - jStat.gammaln(a);
  if (x < a + 1) {
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < MAX_ITERATIONS; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * EPSILON) return Math.max(0, 1 - sum * Math.exp(logPrefix));
    }
    throw new Error(`invalid x: ${x} (gamma series did not converge for a = ${a})`);
  }
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < MAX_ITERATIONS; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPSILON) return Math.exp(logPrefix) * h;
  }
  throw new Error(`invalid x: ${x} (gamma continued fraction did not converge for a = ${a})`);
}
