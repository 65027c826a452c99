import { chiSquareUpperTail, mulberry32, quantile } from '../stats/index.js';

/** A milestone's cut re-estimated on the recent cohorts against today's. */
export interface CutComparison {
  current: number;
  /**
   * The cut at which recent accounts retain as well as accounts at today's cut did on the
   * reference cohorts (logistic fits of retention on log(1 + score), one per side), with its
   * percentile bootstrap 95% interval: today's cut when nothing moved.
   */
  equivalent: { cut: number; low: number; high: number };
  /**
   * Likelihood-ratio test that one curve of retention on the score fits both sides (2 df:
   * intercept and slope): a small p says the relation moved.
   */
  relation_change_p: number;
  /** Retention the reference fit gives at today's cut (bootstrap 95%), the level kept. */
  retention_at_cut: { estimate: number; low: number; high: number };
  /** J curves for a person: Youden's J at each cut of `grid`, per side, and each side's best. */
  grid: number[];
  j_reference: number[];
  j_recent: number[];
  best_reference: number;
  best_recent: number;
  accounts: { reference: number; recent: number };
}

/** Cuts for the J curves: from the 2nd to the 90th percentile (whole numbers for counts), at most `max`, with today's. */
export function cutGrid(values: readonly number[], current: number, integer: boolean, max = 60): number[] {
  if (values.length === 0) return [current];
  const lo = quantile(values, 0.02);
  const hi = quantile(values, 0.9);
  let grid: number[];
  if (integer) {
    const from = Math.max(1, Math.ceil(lo));
    const to = Math.max(from, Math.floor(hi));
    const step = Math.max(1, Math.ceil((to - from + 1) / max));
    grid = [];
    for (let c = from; c <= to; c += step) grid.push(c);
  } else {
    grid = Array.from({ length: max }, (_, i) => quantile(values, 0.02 + (0.88 * i) / (max - 1))).map((v) => Math.round(v * 100) / 100);
  }
  return [...new Set([...grid, current])].filter((c) => c > 0).sort((a, b) => a - b);
}

/** Per cut: J = P(score ≥ cut | retained) + P(score < cut | not retained) − 1. */
function jByCut(scores: Float64Array, y: Uint8Array, rows: readonly number[], grid: readonly number[]): number[] {
  let P = 0;
  for (const i of rows) P += y[i];
  const N = rows.length - P;
  return grid.map((c) => {
    let tp = 0;
    let fp = 0;
    for (const i of rows) if (scores[i] >= c) y[i] ? tp++ : fp++;
    return P > 0 && N > 0 ? tp / P + (N - fp) / N - 1 : NaN;
  });
}

/** Log-likelihood of a logistic fit on the rows. */
function logLikelihood(x: Float64Array, y: Uint8Array, rows: ArrayLike<number>, fit: { a: number; b: number }): number {
  let ll = 0;
  for (let k = 0; k < rows.length; k++) {
    const i = rows[k];
    const t = fit.a + fit.b * x[i];
    // log σ(t) = −log(1 + e^−t), computed without overflow.
    ll -= y[i] ? Math.log1p(Math.exp(-Math.abs(t))) + Math.max(0, -t) : Math.log1p(Math.exp(-Math.abs(t))) + Math.max(0, t);
  }
  return ll;
}

/** Logistic regression of y on x (intercept and slope) by Newton–Raphson; null when it does not converge. */
function logistic(x: Float64Array, y: Uint8Array, rows: ArrayLike<number>): { a: number; b: number } | null {
  let a = 0;
  let b = 0;
  for (let it = 0; it < 50; it++) {
    let g0 = 0, g1 = 0, h00 = 0, h01 = 0, h11 = 0; // prettier-ignore
    for (let k = 0; k < rows.length; k++) {
      const i = rows[k];
      const p = 1 / (1 + Math.exp(-(a + b * x[i])));
      const w = p * (1 - p);
      g0 += y[i] - p;
      g1 += (y[i] - p) * x[i];
      h00 += w;
      h01 += w * x[i];
      h11 += w * x[i] * x[i];
    }
    const det = h00 * h11 - h01 * h01;
    if (!(det > 1e-12)) return null;
    const da = (h11 * g0 - h01 * g1) / det;
    const db = (h00 * g1 - h01 * g0) / det;
    a += da;
    b += db;
    if (Math.abs(da) + Math.abs(db) < 1e-9) return { a, b };
  }
  return Number.isFinite(a + b) ? { a, b } : null;
}

const sigmoid = (t: number) => 1 / (1 + Math.exp(-t));

/**
 * Re-estimates a milestone's cut where the relation between its score and retention moved:
 * fits retention on log(1 + score) on the reference and on the recent cohorts, reads the
 * retention the reference fit gives at today's cut, and finds the score at which the recent
 * fit gives the same. A shift in who reaches what score alone moves nothing (the relation
 * is what is compared, not the distribution, which PSI shows); a bar that moved does. One
 * seeded bootstrap resamples both sides together. Counts get whole cuts (rounded up), rates
 * two decimals.
 */
export function compareCuts(
  scores: Float64Array,
  retained: Uint8Array,
  reference: readonly number[],
  recent: readonly number[],
  current: number,
  integer: boolean,
  opts: { seed: number; resamples?: number; max?: number | null },
): CutComparison {
  const x = Float64Array.from(scores, (s) => Math.log1p(Math.max(0, s)));
  const top = opts.max ?? Infinity;
  const snap = (c: number) => (!Number.isFinite(c) ? NaN : Math.min(top, integer ? Math.max(1, Math.ceil(c - 1e-9)) : Math.max(0.01, Math.round(c * 100) / 100)));
  const at = Math.log1p(current);
  const equivalent = (ref: ArrayLike<number>, rec: ArrayLike<number>) => {
    const r = logistic(x, retained, ref);
    const n = logistic(x, retained, rec);
    if (!r || !n || !(n.b > 0)) return { cut: NaN, level: NaN };
    const level = r.a + r.b * at;
    return { cut: Math.expm1((level - n.a) / n.b), level: sigmoid(level) };
  };
  const random = mulberry32(opts.seed);
  const B = opts.resamples ?? 200;
  const cuts: number[] = [];
  const levels: number[] = [];
  const resample = (rows: readonly number[]) => Int32Array.from(rows, () => rows[Math.floor(random() * rows.length)]);
  for (let b = 0; b < B && reference.length > 0 && recent.length > 0; b++) {
    const e = equivalent(resample(reference), resample(recent));
    if (Number.isFinite(e.cut)) cuts.push(snap(e.cut));
    if (Number.isFinite(e.level)) levels.push(e.level);
  }
  const point = reference.length && recent.length ? equivalent(reference, recent) : { cut: NaN, level: NaN };
  const both = [...reference, ...recent];
  const [fr, fn, fb] = [logistic(x, retained, reference), logistic(x, retained, recent), logistic(x, retained, both)];
  const lr = fr && fn && fb ? 2 * (logLikelihood(x, retained, reference, fr) + logLikelihood(x, retained, recent, fn) - logLikelihood(x, retained, both, fb)) : NaN;
  const q = (xs: number[], p: number) => (xs.length ? quantile(xs, p) : NaN);
  const grid = cutGrid([...reference, ...recent].map((i) => scores[i]), current, integer);
  const jReference = jByCut(scores, retained, reference, grid);
  const jRecent = jByCut(scores, retained, recent, grid);
  const best = (j: number[]) => grid[j.reduce((b, v, i) => (v > j[b] + 1e-12 ? i : b), 0)];
  return {
    current,
    // Whole cuts keep a whole interval: the bootstrap's percentiles fall between them.
    equivalent: { cut: snap(point.cut), low: integer ? Math.floor(q(cuts, 0.025)) : q(cuts, 0.025), high: integer ? Math.ceil(q(cuts, 0.975)) : q(cuts, 0.975) },
    relation_change_p: chiSquareUpperTail(Math.max(0, lr), 2),
    retention_at_cut: { estimate: point.level, low: q(levels, 0.025), high: q(levels, 0.975) },
    grid,
    j_reference: jReference,
    j_recent: jRecent,
    best_reference: best(jReference),
    best_recent: best(jRecent),
    accounts: { reference: reference.length, recent: recent.length },
  };
}
