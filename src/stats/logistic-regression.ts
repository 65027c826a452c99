import { invertSymmetric } from './symmetric-inverse.js';

export interface LogisticFit {
  coefficients: number[];
  /** From the inverse of the observed information at the estimate. */
  standardErrors: number[];
  /** Fitted probabilities, one per row. */
  fitted: Float64Array;
  logLikelihood: number;
  iterations: number;
  /** False when the iterations ran out (e.g. perfect separation: estimates drift to ±∞). */
  converged: boolean;
}

export interface LogisticOptions {
  maxIterations?: number;
  /** Stop when the log-likelihood improves by less than this (relative). */
  tolerance?: number;
  /** L2 penalty on every coefficient but the first (the intercept); 0 is plain maximum likelihood. */
  ridge?: number;
}

/**
 * Logistic regression by iteratively reweighted least squares (Newton–Raphson), with step
 * halving when a step would lower the likelihood. Rows of x carry the full design, intercept
 * in column 0. With `ridge` 0 it matches glm(family = binomial) and statsmodels' Logit.
 */
export function logisticRegression(x: readonly (readonly number[])[], y: readonly (0 | 1 | boolean)[], options: LogisticOptions = {}): LogisticFit {
  const { maxIterations = 50, tolerance = 1e-10, ridge = 0 } = options;
  const n = y.length;
  if (x.length !== n) throw new Error(`invalid x: ${x.length} rows for ${n} values of y`);
  if (n === 0) throw new Error('invalid n: 0');
  const k = x[0].length;
  if (!(ridge >= 0)) throw new Error(`invalid ridge: ${ridge}`);
  const yy = Float64Array.from(y, (v) => (v ? 1 : 0));
  let beta = new Array<number>(k).fill(0);
  const eta = new Float64Array(n);
  const fitted = new Float64Array(n);

  const evaluate = (b: readonly number[]): number => {
    let ll = 0;
    for (let r = 0; r < n; r++) {
      let e = 0;
      for (let i = 0; i < k; i++) e += x[r][i] * b[i];
      eta[r] = e;
      // log(1 + e^η) computed without overflow.
      const log1pExp = e > 0 ? e + Math.log1p(Math.exp(-e)) : Math.log1p(Math.exp(e));
      ll += yy[r] * e - log1pExp;
      fitted[r] = 1 / (1 + Math.exp(-e));
    }
    for (let i = 1; i < k; i++) ll -= (ridge / 2) * b[i] * b[i];
    return ll;
  };

  let ll = evaluate(beta);
  let info = information(x, fitted, k, ridge);
  let converged = false;
  let iterations = 0;
  for (; iterations < maxIterations; iterations++) {
    const grad = new Array<number>(k).fill(0);
    for (let r = 0; r < n; r++) {
      const res = yy[r] - fitted[r];
      for (let i = 0; i < k; i++) grad[i] += x[r][i] * res;
    }
    for (let i = 1; i < k; i++) grad[i] -= ridge * beta[i];
    const inv = invertSymmetric(info);
    const step = inv.map((row) => row.reduce((s, v, j) => s + v * grad[j], 0));
    let t = 1;
    let next: number[] = beta;
    let nextLl = -Infinity;
    for (let halving = 0; halving < 30; halving++) {
      next = beta.map((b, i) => b + t * step[i]);
      nextLl = evaluate(next);
      if (nextLl >= ll - 1e-12 * Math.abs(ll)) break;
      t /= 2;
    }
    const improvement = nextLl - ll;
    beta = next;
    ll = nextLl;
    info = information(x, fitted, k, ridge);
    if (Math.abs(improvement) <= tolerance * (Math.abs(ll) + tolerance)) {
      converged = true;
      iterations++;
      break;
    }
  }
  const cov = invertSymmetric(info);
  return {
    coefficients: beta,
    standardErrors: cov.map((row, i) => Math.sqrt(Math.max(0, row[i]))),
    fitted: Float64Array.from(fitted),
    logLikelihood: ll,
    iterations,
    converged,
  };
}

/** X' W X with W = p(1 − p), plus the ridge on the non-intercept diagonal. */
function information(x: readonly (readonly number[])[], p: Float64Array, k: number, ridge: number): number[][] {
  const out: number[][] = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let r = 0; r < x.length; r++) {
    const w = p[r] * (1 - p[r]);
    if (w === 0) continue;
    const row = x[r];
    for (let i = 0; i < k; i++) {
      const wi = w * row[i];
      for (let j = 0; j <= i; j++) out[i][j] += wi * row[j];
    }
  }
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < i; j++) out[j][i] = out[i][j];
    if (i > 0) out[i][i] += ridge;
  }
  return out;
}
