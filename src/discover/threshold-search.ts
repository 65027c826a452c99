import { mulberry32, normalCritical, wilsonInterval, type Interval } from '../stats/index.js';

/** One observation window: per unit, how many core-action events it had in its first `days` days. */
export interface ThresholdWindow {
  days: number;
  counts: Float64Array;
}

export interface ThresholdSearchInput {
  windows: ThresholdWindow[];
  /** Per unit (same order as every window's counts): 1 = retained, 0 = churned. */
  outcome: Uint8Array;
  /**
   * Per unit: the cluster it belongs to (0..k−1), e.g. the account of an account-month. The
   * bootstrap resamples clusters with all their units. Default: every unit its own cluster.
   */
  clusters?: Int32Array;
}

export interface ThresholdSearchOptions {
  /** Seed for the bootstrap (mulberry32); the same seed gives the same result. */
  seed: number;
  /** Thresholds to try in every window. Default: the distinct quantiles of each window's counts, at most 60. */
  candidates?: number[];
  /** Bootstrap resamples for the threshold interval. Default 200. */
  bootstrap?: number;
  /** Steps are tried only at thresholds reached by at least this share of units (a warning says when none is). Default 0.05. */
  narrowBelow?: number;
  /** …and by at most this share. Default 0.95. */
  broadAbove?: number;
  /** How the counted events read in warnings, e.g. "closed conversations". Default "events". */
  actionLabel?: string;
}

export interface ThresholdChoice {
  days: number;
  threshold: number;
  /** Youden's J = sensitivity + specificity − 1. */
  youdenJ: number;
  /** Share of retained units at or above the threshold. */
  sensitivity: Interval;
  /** Share of churned units below the threshold. */
  specificity: Interval;
  /** Share of units at or above the threshold that retained. */
  ppv: Interval;
  /** Share of units below the threshold that churned. */
  npv: Interval;
  /** Share of all units at or above the threshold. */
  reach: Interval;
}

export interface ThresholdGridPoint {
  days: number;
  threshold: number;
  youdenJ: number;
  reach: number;
}

export interface ThresholdSearch {
  best: ThresholdChoice;
  /**
   * How much the odds of the good outcome jump at the threshold, beyond the trend with the
   * count (Wald 95% interval given this threshold and window: it does not count their choice).
   */
  jump: Interval;
  /**
   * Percentile bootstrap 95% interval of the threshold: each resample (of clusters) chooses the
   * window and the threshold again; the interval is over the resamples that chose this window.
   */
  thresholdInterval: { low: number; high: number };
  /** Share of the resamples that chose this window. */
  windowShare: number;
  /** Resamples used (those holding both outcomes). */
  resamples: number;
  grid: ThresholdGridPoint[];
  warnings: string[];
}

const MAX_DEFAULT_CANDIDATES = 60;
/** Likelihoods closer than this are ties. */
const TIE = 1e-9;
/** Ridge on the trend and the jump, so a perfect split (tiny samples) still gives finite estimates. */
const RIDGE = 0.1;

/** A (window, candidate) pick: indexes into the scan's windows and that window's candidates. */
export interface Pick {
  w: number;
  k: number;
}

/** Logistic fit of one step: intercept, trend in log(1 + value), jump at the threshold. */
interface StepFit {
  beta: [number, number, number];
  logLik: number;
  /** Variance of the jump's estimate (inverse Hessian). */
  jumpVariance: number;
}

/**
 * Chooses a threshold as the step in retention that the data support best: for every window
 * and candidate threshold t, a logistic regression of the outcome on log(1 + count) (the trend:
 * retention rising gradually with use) and on "count ≥ t" (the step), and the pair with the
 * highest likelihood. A planted step is found where it is even under a trend, where Youden's J
 * (the best split by sensitivity + specificity) drifts along the trend and spreads over its
 * plateau. Units are pooled per candidate bucket (≤ 61 groups), so one fit costs little and
 * the bootstrap and the label-permutation null can redo the choice hundreds of times.
 */
export class ThresholdScan {
  readonly candidates: number[][];
  /** Per window, per candidate: whether a step there is tried. */
  private readonly allowed: boolean[][];
  private readonly clusterCount: number;
  /** Per window, per unit: the group (0 below every candidate, k + 1 at or above candidate k and below the next). */
  private readonly groups: Uint8Array[];
  /** Per window, per group: mean log(1 + value) of its units. */
  private readonly trend: Float64Array[];
  private readonly pos: Float64Array[];
  private readonly n: Float64Array[];

  /**
   * Steps are tried only at thresholds whose reach (share of units at or above, over all the
   * units) lies within `reach`: a milestone almost nobody or almost everybody reaches guides
   * nobody, and a step fitted on a sliver of units is mostly noise. Every candidate still
   * bounds a group for the trend.
   */
  constructor(
    readonly windows: readonly ThresholdWindow[],
    given?: number[],
    readonly clusters?: Int32Array,
    reach: readonly [number, number] = [0, 1],
  ) {
    this.candidates = windows.map((w) => given ?? defaultCandidates(w.counts));
    this.clusterCount = clusters ? clusters.reduce((m, c) => Math.max(m, c + 1), 0) : 0;
    this.groups = windows.map((w, i) => groupOf(w.counts, this.candidates[i]));
    this.allowed = this.groups.map((groups, i) => {
      const atOrAbove = new Float64Array(this.candidates[i].length + 1);
      for (const g of groups) atOrAbove[g]++;
      for (let g = atOrAbove.length - 2; g >= 0; g--) atOrAbove[g] += atOrAbove[g + 1];
      const allowed = this.candidates[i].map((_, k) => atOrAbove[k + 1] / groups.length >= reach[0] && atOrAbove[k + 1] / groups.length <= reach[1]);
      return allowed.some(Boolean) ? allowed : allowed.map(() => true); // none within: try them all
    });
    this.trend = windows.map((w, i) => {
      const sum = new Float64Array(this.candidates[i].length + 1);
      const count = new Float64Array(sum.length);
      this.groups[i].forEach((g, u) => {
        sum[g] += Math.log1p(w.counts[u]);
        count[g]++;
      });
      return sum.map((s, g) => (count[g] ? s / count[g] : 0));
    });
    this.pos = this.candidates.map((c) => new Float64Array(c.length + 1));
    this.n = this.candidates.map((c) => new Float64Array(c.length + 1));
  }

  get units(): number {
    return this.groups[0].length;
  }

  /**
   * Per group of window w: the (weighted) units with the good outcome, and all of them. A
   * unit's weight is `weight[cluster]` (`weight[unit]` without clusters); null weighs each 1.
   */
  private pool(w: number, outcome: Uint8Array, weight: Int32Array | null): { pos: Float64Array; n: Float64Array } {
    const pos = this.pos[w].fill(0);
    const n = this.n[w].fill(0);
    const groups = this.groups[w];
    const clusters = this.clusters;
    for (let i = 0; i < groups.length; i++) {
      const wgt = weight === null ? 1 : weight[clusters ? clusters[i] : i];
      if (wgt === 0) continue;
      n[groups[i]] += wgt;
      if (outcome[i] === 1) pos[groups[i]] += wgt;
    }
    return { pos, n };
  }

  /**
   * The best (window, candidate) by the step's likelihood; ties to the lower threshold, then the
   * shorter window (the milestone more accounts can reach, soonest). Null when the weighted
   * units hold only one outcome.
   */
  best(outcome: Uint8Array, weight: Int32Array | null): (Pick & { fit: StepFit }) | null {
    let best: (Pick & { fit: StepFit }) | null = null;
    for (let w = 0; w < this.windows.length; w++) {
      const { pos, n } = this.pool(w, outcome, weight);
      let p = 0;
      let total = 0;
      for (let g = 0; g < n.length; g++) [p, total] = [p + pos[g], total + n[g]];
      if (p === 0 || p === total) return null;
      const cands = this.candidates[w];
      let start: [number, number, number] = [Math.log(p / (total - p)), 0, 0];
      let below = n[0];
      for (let k = 0; k < cands.length; k++) {
        if (k > 0) {
          if (n[k] === 0) continue; // the same split as the lower threshold, which wins ties
          below += n[k];
        }
        if (below === 0 || below === total || !this.allowed[w][k]) continue; // a step needs units on both sides
        const fit = fitStep(this.trend[w], pos, n, k + 1, start);
        start = fit.beta;
        const better =
          best === null ||
          fit.logLik > best.fit.logLik + TIE ||
          (fit.logLik >= best.fit.logLik - TIE &&
            (cands[k] < this.candidates[best.w][best.k] || (cands[k] === this.candidates[best.w][best.k] && this.windows[w].days < this.windows[best.w].days)));
        if (better) best = { w, k, fit };
      }
    }
    return best;
  }

  /** Bootstrap picks: `resamples` resamples of the clusters, each choosing window and threshold again. */
  bootstrap(outcome: Uint8Array, resamples: number, random: () => number): { picks: Pick[]; skipped: number } {
    const k = this.clusters ? this.clusterCount : this.units;
    const weight = new Int32Array(k);
    const picks: Pick[] = [];
    let skipped = 0;
    for (let r = 0; r < resamples; r++) {
      weight.fill(0);
      for (let i = 0; i < k; i++) weight[Math.floor(random() * k)]++;
      const pick = this.best(outcome, weight);
      if (pick === null) skipped++;
      else picks.push({ w: pick.w, k: pick.k });
    }
    return { picks, skipped };
  }
}

/**
 * Newton–Raphson for the logistic regression of the good outcome on [1, trend, step] over the
 * pooled groups (the step is 1 from group `stepFrom` on), with a small ridge on trend and step.
 */
function fitStep(trend: Float64Array, pos: Float64Array, n: Float64Array, stepFrom: number, start: [number, number, number]): StepFit {
  let [b0, b1, b2] = start;
  let logLik = -Infinity;
  let h = [0, 0, 0, 0, 0, 0]; // h00 h01 h02 h11 h12 h22
  for (let iter = 0; iter < 30; iter++) {
    let g0 = 0, g1 = -RIDGE * b1, g2 = -RIDGE * b2;
    h = [0, 0, 0, RIDGE, 0, RIDGE];
    logLik = -0.5 * RIDGE * (b1 * b1 + b2 * b2);
    for (let g = 0; g < n.length; g++) {
      const m = n[g];
      if (m === 0) continue;
      const x1 = trend[g];
      const x2 = g >= stepFrom ? 1 : 0;
      const eta = b0 + b1 * x1 + b2 * x2;
      const prob = 1 / (1 + Math.exp(-eta));
      // log(prob) and log(1 − prob), stable for large |eta|.
      const logP = eta >= 0 ? -Math.log1p(Math.exp(-eta)) : eta - Math.log1p(Math.exp(eta));
      logLik += pos[g] * logP + (m - pos[g]) * (logP - eta);
      const r = pos[g] - m * prob;
      const v = m * prob * (1 - prob);
      g0 += r;
      g1 += r * x1;
      g2 += r * x2;
      h[0] += v;
      h[1] += v * x1;
      h[2] += v * x2;
      h[3] += v * x1 * x1;
      h[4] += v * x1 * x2;
      h[5] += v * x2 * x2;
    }
    const [d0, d1, d2] = solve3(h, g0, g1, g2);
    b0 += d0;
    b1 += d1;
    b2 += d2;
    if (Math.abs(d0) + Math.abs(d1) + Math.abs(d2) < 1e-8) break;
  }
  const inverse = solve3(h, 0, 0, 1); // third column of H⁻¹
  return { beta: [b0, b1, b2], logLik, jumpVariance: inverse[2] };
}

/** Solves the symmetric 3×3 system H x = (a, b, c), H given as h00 h01 h02 h11 h12 h22 (Cramer's rule). */
function solve3(h: number[], a: number, b: number, c: number): [number, number, number] {
  const [p, q, r, s, t, u] = h;
  const det = p * (s * u - t * t) - q * (q * u - t * r) + r * (q * t - s * r);
  if (!(Math.abs(det) > 1e-300)) return [0, 0, 0];
  return [
    (a * (s * u - t * t) - q * (b * u - t * c) + r * (b * t - s * c)) / det,
    (p * (b * u - t * c) - a * (q * u - t * r) + r * (q * c - b * r)) / det,
    (p * (s * c - b * t) - q * (q * c - b * r) + a * (q * t - s * r)) / det,
  ];
}

/**
 * Searches (window, threshold) pairs for the milestone "at least `threshold` events in the
 * first `days` days" where the good outcome steps up most clearly (see {@link ThresholdScan}),
 * and reports its rates (Youden's J, sensitivity, specificity, PPV, NPV, reach) with the grid
 * of J over every pair for the charts.
 *
 * The threshold interval resamples units (or their clusters) with replacement and chooses the
 * window and the threshold again in each resample, over the same candidates; it is read off the
 * resamples that chose this window (the 2.5% and 97.5% quantiles of their thresholds), and
 * `windowShare` says how many that was. Resamples that hold no retained or no churned unit are
 * skipped and reported in the warnings.
 */
export function searchThreshold(input: ThresholdSearchInput, opts: ThresholdSearchOptions): ThresholdSearch {
  const { windows, outcome, clusters } = input;
  const { seed, bootstrap = 200, narrowBelow = 0.05, broadAbove = 0.95, actionLabel = 'events' } = opts;
  if (!Number.isInteger(seed)) throw new Error(`invalid seed: ${seed}`);
  if (!Number.isInteger(bootstrap) || bootstrap < 1) throw new Error(`invalid bootstrap: ${bootstrap}`);
  checkShare('narrowBelow', narrowBelow);
  checkShare('broadAbove', broadAbove);
  if (!Array.isArray(windows) || windows.length === 0) throw new Error(`invalid windows: none given`);
  const n = outcome.length;
  if (n === 0) throw new Error(`invalid outcome length: 0 (no accounts)`);
  let positives = 0;
  for (let i = 0; i < n; i++) {
    const y = outcome[i];
    if (y !== 0 && y !== 1) throw new Error(`invalid outcome: ${y} at account ${i} (must be 0 or 1)`);
    positives += y;
  }
  if (positives === 0 || positives === n) {
    throw new Error(`invalid outcome: ${positives} of ${n} retained (needs both retained and churned accounts)`);
  }
  for (const w of windows) {
    if (!Number.isFinite(w.days) || w.days <= 0) throw new Error(`invalid days: ${w.days}`);
    if (w.counts.length !== n) {
      throw new Error(`invalid outcome length: ${n} (window of ${w.days} days has ${w.counts.length} accounts)`);
    }
    for (let i = 0; i < n; i++) {
      const c = w.counts[i];
      if (!Number.isFinite(c) || c < 0) throw new Error(`invalid count: ${c} at account ${i} (window ${w.days} days)`);
    }
  }
  if (clusters !== undefined) {
    if (clusters.length !== n) throw new Error(`invalid clusters length: ${clusters.length} (expected ${n})`);
    for (const c of clusters) if (!(Number.isInteger(c) && c >= 0)) throw new Error(`invalid cluster: ${c}`);
  }
  let given: number[] | undefined;
  if (opts.candidates !== undefined) {
    if (opts.candidates.length === 0) throw new Error(`invalid candidates: none given`);
    for (const t of opts.candidates) if (!Number.isFinite(t)) throw new Error(`invalid candidate: ${t}`);
    given = distinctSorted(opts.candidates);
  }
  if (given !== undefined && given.length > 255) throw new Error(`invalid candidates: ${given.length} (at most 255)`);

  const scan = new ThresholdScan(windows, given, clusters, [narrowBelow, broadAbove]);
  const grid: ThresholdGridPoint[] = windows.flatMap((w, wi) =>
    scan.candidates[wi].map((t) => {
      const r = ruleRates(w.counts, t, outcome, w.days);
      return { days: w.days, threshold: t, youdenJ: r.youdenJ, reach: r.reach.estimate };
    }),
  );
  const best = scan.best(outcome, null);
  const warnings: string[] = [];
  // Every unit on one side of every candidate: no step to find, so the lowest threshold stands.
  const pick: Pick = best ?? { w: 0, k: 0 };
  const { picks, skipped } = scan.bootstrap(outcome, bootstrap, mulberry32(seed));
  const inWindow = picks.filter((p) => p.w === pick.w).map((p) => scan.candidates[pick.w][p.k]);
  const thresholdInterval = percentileInterval(inWindow);
  const days = windows[pick.w].days;
  const threshold = scan.candidates[pick.w][pick.k];
  const choice = ruleRates(windows[pick.w].counts, threshold, outcome, days);
  const z = normalCritical(0.95);
  const jump = best
    ? { estimate: Math.exp(best.fit.beta[2]), low: Math.exp(best.fit.beta[2] - z * Math.sqrt(best.fit.jumpVariance)), high: Math.exp(best.fit.beta[2] + z * Math.sqrt(best.fit.jumpVariance)) }
    : { estimate: NaN, low: NaN, high: NaN };

  const reach = choice.reach.estimate;
  const what = `${formatNumber(threshold)} ${actionLabel} in ${formatNumber(days)} days`;
  if (reach < narrowBelow) {
    warnings.push(
      `only ${pct(reach)} of accounts reach ${what}: a milestone almost nobody reaches cannot guide them ` +
        `(the '1% activate, 100% retain' trap)`,
    );
  }
  if (reach > broadAbove) {
    warnings.push(
      `${pct(reach)} of accounts reach ${what}: a milestone almost everybody reaches cannot tell ` +
        `the accounts that will retain from those that will not (the 'everyone activates' trap)`,
    );
  }
  if (choice.youdenJ <= 0) {
    warnings.push(`no threshold separates retained from churned accounts (Youden's J ${choice.youdenJ.toFixed(2)})`);
  }
  if (skipped > 0) {
    warnings.push(`${skipped} of ${bootstrap} bootstrap resamples held only retained or only churned accounts and were skipped`);
  }
  return { best: choice, jump, thresholdInterval, windowShare: picks.length ? inWindow.length / picks.length : NaN, resamples: picks.length, grid, warnings };
}

/** The 2.5% and 97.5% points of bootstrap picks, as picks (inverse empirical CDF): thresholds stay candidates. */
function percentileInterval(picks: number[]): { low: number; high: number } {
  if (picks.length === 0) return { low: NaN, high: NaN };
  const sorted = [...picks].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
  return { low: at(0.025), high: at(0.975) };
}

/** The rates of "count ≥ threshold" against the outcome, each with its Wilson interval. */
export function ruleRates(counts: ArrayLike<number>, threshold: number, outcome: Uint8Array, days: number): ThresholdChoice {
  return { days, threshold, ...binaryRates(reachedAt(counts, threshold), outcome) };
}

/** Per unit: 1 when its count is at least the threshold. */
export function reachedAt(counts: ArrayLike<number>, threshold: number): Uint8Array {
  const reached = new Uint8Array(counts.length);
  for (let i = 0; i < counts.length; i++) reached[i] = counts[i] >= threshold ? 1 : 0;
  return reached;
}

/** Youden's J, sensitivity, specificity, PPV, NPV and reach of a yes/no rule against an outcome. */
export function binaryRates(reached: Uint8Array, outcome: Uint8Array): Omit<ThresholdChoice, 'days' | 'threshold'> {
  const { tp, fp, positives } = confusion(reached, outcome);
  const n = outcome.length;
  const negatives = n - positives;
  const fn = positives - tp;
  const tn = negatives - fp;
  return {
    youdenJ: tp / positives - fp / negatives,
    sensitivity: wilsonInterval(tp, positives),
    specificity: wilsonInterval(tn, negatives),
    ppv: wilsonInterval(tp, tp + fp),
    npv: wilsonInterval(tn, tn + fn),
    reach: wilsonInterval(tp + fp, n),
  };
}

/** Youden's J of a yes/no rule against an outcome, without intervals (for permutation loops); NaN with one outcome. */
export function youdenJ(reached: Uint8Array, outcome: Uint8Array): number {
  const { tp, fp, positives } = confusion(reached, outcome);
  const negatives = outcome.length - positives;
  return positives === 0 || negatives === 0 ? NaN : tp / positives - fp / negatives;
}

function confusion(reached: Uint8Array, outcome: Uint8Array): { tp: number; fp: number; positives: number } {
  let tp = 0;
  let fp = 0;
  let positives = 0;
  for (let i = 0; i < outcome.length; i++) {
    positives += outcome[i];
    if (reached[i]) outcome[i] ? tp++ : fp++;
  }
  return { tp, fp, positives };
}

function checkShare(name: string, x: number): void {
  if (!Number.isFinite(x) || x < 0 || x > 1) throw new Error(`invalid ${name}: ${x}`);
}

function distinctSorted(values: ArrayLike<number>): number[] {
  return Array.from(new Set(Array.from(values))).sort((a, b) => a - b);
}

/**
 * Thresholds to try: every distinct value when there are at most 60; else every distinct value
 * up to the 90% quantile (at most 100 of them, so a step among the common counts is never skipped)
 * and the distinct type-1 quantiles above it in steps of 1%.
 */
function defaultCandidates(counts: Float64Array): number[] {
  const distinct = distinctSorted(counts);
  if (distinct.length <= MAX_DEFAULT_CANDIDATES) return distinct;
  const sorted = Float64Array.from(counts).sort();
  const n = sorted.length;
  const at = (q: number) => sorted[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))];
  const common = distinct.filter((v) => v <= at(0.9)).slice(0, 100);
  const tail = Array.from({ length: 10 }, (_, k) => at((91 + k) / 100)).filter((v) => v > common[common.length - 1]);
  return distinctSorted([...common, ...tail]);
}

/** Per unit: 0 when below every candidate, else 1 + the index of the highest candidate at or below its count. */
function groupOf(counts: Float64Array, candidates: number[]): Uint8Array {
  const group = new Uint8Array(counts.length);
  for (let i = 0; i < counts.length; i++) {
    let lo = 0;
    let hi = candidates.length; // first index with candidate > count
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (candidates[mid] <= counts[i]) lo = mid + 1;
      else hi = mid;
    }
    group[i] = lo;
  }
  return group;
}

function pct(x: number): string {
  const p = x * 100;
  if (p > 0 && p < 1) return `${p.toFixed(1)}%`;
  if (p < 100 && p > 99) return `${p.toFixed(1)}%`;
  return `${Math.round(p)}%`;
}

function formatNumber(x: number): string {
  return Number.isInteger(x) ? String(x) : String(Number(x.toFixed(2)));
}
