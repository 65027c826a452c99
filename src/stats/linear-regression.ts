import { chiSquareUpperTail } from './distributions.js';
import { invertSymmetric, sandwich } from './symmetric-inverse.js';

/**
 * How the coefficients' covariance is estimated: `classical` (iid errors), or `cluster`
 * (errors correlated within a cluster, e.g. one account's rows: CR1, as statsmodels'
 * cov_type='cluster').
 */
export type CovarianceOption = { type: 'classical' } | { type: 'cluster'; clusters: readonly (string | number)[] };

export interface LinearFit {
  coefficients: number[];
  covariance: number[][];
  standardErrors: number[];
  /** Residual sum of squares. */
  rss: number;
  n: number;
  k: number;
  covarianceType: CovarianceOption['type'];
  /** Clusters (cluster covariance only). */
  clusters?: number;
}

/**
 * Ordinary least squares of y on the rows of x (each row the full design, intercept
 * included), by the normal equations: enough for the few-column designs outcomes fit.
 */
export function linearRegression(x: readonly (readonly number[])[], y: readonly number[], covariance: CovarianceOption = { type: 'classical' }): LinearFit {
  const n = y.length;
  if (x.length !== n) throw new Error(`invalid x: ${x.length} rows for ${n} values of y`);
  const k = n > 0 ? x[0].length : 0;
  if (n <= k) throw new Error(`invalid n: ${n} rows for ${k} coefficients`);
  const xtx: number[][] = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const xty = new Array<number>(k).fill(0);
  for (let r = 0; r < n; r++) {
    const row = x[r];
    if (row.length !== k) throw new Error(`invalid x[${r}]: ${row.length} columns, expected ${k}`);
    for (let i = 0; i < k; i++) {
      if (!Number.isFinite(row[i])) throw new Error(`invalid x[${r}][${i}]: ${row[i]}`);
      xty[i] += row[i] * y[r];
      for (let j = 0; j <= i; j++) xtx[i][j] += row[i] * row[j];
    }
    if (!Number.isFinite(y[r])) throw new Error(`invalid y[${r}]: ${y[r]}`);
  }
  for (let i = 0; i < k; i++) for (let j = 0; j < i; j++) xtx[j][i] = xtx[i][j];
  const inv = invertSymmetric(xtx);
  const beta = inv.map((row) => row.reduce((s, v, j) => s + v * xty[j], 0));
  const residuals = new Float64Array(n);
  let rss = 0;
  for (let r = 0; r < n; r++) {
    let fitted = 0;
    for (let i = 0; i < k; i++) fitted += x[r][i] * beta[i];
    residuals[r] = y[r] - fitted;
    rss += residuals[r] * residuals[r];
  }

  let cov: number[][];
  let clusters: number | undefined;
  if (covariance.type === 'classical') {
    const s2 = rss / (n - k);
    cov = inv.map((row) => row.map((v) => v * s2));
  } else {
    if (covariance.clusters.length !== n) throw new Error(`invalid clusters: ${covariance.clusters.length} for ${n} rows`);
    const scores = new Map<string | number, number[]>();
    for (let r = 0; r < n; r++) {
      let s = scores.get(covariance.clusters[r]);
      if (!s) scores.set(covariance.clusters[r], (s = new Array<number>(k).fill(0)));
      for (let i = 0; i < k; i++) s[i] += x[r][i] * residuals[r];
    }
    const g = scores.size;
    if (g < 2) throw new Error(`invalid clusters: ${g} (need at least 2)`);
    const meat = outerSum([...scores.values()], k);
    const factor = (g / (g - 1)) * ((n - 1) / (n - k));
    cov = sandwich(inv, meat).map((row) => row.map((v) => v * factor));
    clusters = g;
  }
  return {
    coefficients: beta,
    covariance: cov,
    standardErrors: cov.map((row, i) => Math.sqrt(Math.max(0, row[i]))),
    rss,
    n,
    k,
    covarianceType: covariance.type,
    ...(clusters !== undefined ? { clusters } : {}),
  };
}

/** The estimate and standard error of the linear combination c'β. */
export function linearCombination(fit: Pick<LinearFit, 'coefficients' | 'covariance'>, c: readonly number[]): { estimate: number; se: number } {
  const k = fit.coefficients.length;
  if (c.length !== k) throw new Error(`invalid c: ${c.length} weights for ${k} coefficients`);
  let estimate = 0;
  let variance = 0;
  for (let i = 0; i < k; i++) {
    estimate += c[i] * fit.coefficients[i];
    for (let j = 0; j < k; j++) variance += c[i] * fit.covariance[i][j] * c[j];
  }
  return { estimate, se: Math.sqrt(Math.max(0, variance)) };
}

/** Wald chi-square test that the chosen coefficients are all zero. */
export function waldTest(fit: Pick<LinearFit, 'coefficients' | 'covariance'>, indices: readonly number[]): { chiSquare: number; df: number; pValue: number } {
  if (indices.length === 0) throw new Error('invalid indices: none');
  const b = indices.map((i) => fit.coefficients[i]);
  const v = invertSymmetric(indices.map((i) => indices.map((j) => fit.covariance[i][j])));
  let chiSquare = 0;
  for (let i = 0; i < b.length; i++) for (let j = 0; j < b.length; j++) chiSquare += b[i] * v[i][j] * b[j];
  return { chiSquare, df: b.length, pValue: chiSquareUpperTail(chiSquare, b.length) };
}

function outerSum(vectors: readonly (readonly number[])[], k: number): number[][] {
  const out: number[][] = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (const v of vectors) for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) out[i][j] += v[i] * v[j];
  return out;
}
