import { mulberry32, quantile, wilsonInterval, type Interval } from '../stats/index.js';

/** One observation window: per account, how many core-action events it had in its first `days` days. */
export interface ThresholdWindow {
  days: number;
  counts: Float64Array;
}

export interface ThresholdSearchInput {
  windows: ThresholdWindow[];
  /** Per account (same order as every window's counts): 1 = retained, 0 = churned. */
  outcome: Uint8Array;
}

export interface ThresholdSearchOptions {
  /** Seed for the bootstrap (mulberry32); the same seed gives the same result. */
  seed: number;
  /** Thresholds to try in every window. Default: the distinct quantiles of each window's counts, at most 60. */
  candidates?: number[];
  /** Bootstrap resamples for the threshold interval. Default 200. */
  bootstrap?: number;
  /** Warn when the chosen milestone's reach is below this share. Default 0.05. */
  narrowBelow?: number;
  /** Warn when the chosen milestone's reach is above this share. Default 0.95. */
  broadAbove?: number;
  /** How the counted events read in warnings, e.g. "closed conversations". Default "events". */
  actionLabel?: string;
  /**
   * Choose the candidate nearest the median of the bootstrap picks (bagging) instead of the
   * single best J. Where J is flat over a range, the single pick lands anywhere on the plateau
   * by chance; the bagged pick sits in its middle and moves little between samples. Default false.
   */
  bagged?: boolean;
}

export interface ThresholdChoice {
  days: number;
  threshold: number;
  /** Youden's J = sensitivity + specificity − 1. */
  youdenJ: number;
  /** Share of retained accounts at or above the threshold. */
  sensitivity: Interval;
  /** Share of churned accounts below the threshold. */
  specificity: Interval;
  /** Share of accounts at or above the threshold that retained. */
  ppv: Interval;
  /** Share of accounts below the threshold that churned. */
  npv: Interval;
  /** Share of all accounts at or above the threshold. */
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
  /** Percentile bootstrap 95% interval of the chosen threshold within the chosen window. */
  thresholdInterval: { low: number; high: number };
  grid: ThresholdGridPoint[];
  warnings: string[];
}

const MAX_DEFAULT_CANDIDATES = 60;
const TIE = 1e-12;

/**
 * Searches (window, threshold) pairs for the milestone "at least `threshold` events in the
 * first `days` days" that best separates retained from churned accounts by Youden's J.
 *
 * Ties in J are broken by the lower threshold, then by the shorter window: a lower bar is
 * reachable by more accounts and a shorter window gives the earlier signal, so among equally
 * separating milestones these are the ones a team can act on soonest and for more customers.
 *
 * The threshold interval resamples accounts with replacement, re-picks the threshold by J
 * within the chosen window over the same candidates, and reads the 2.5% and 97.5% quantiles
 * of the picks. Resamples that hold no retained or no churned account (J undefined) are
 * skipped and reported in the warnings.
 */
export function searchThreshold(input: ThresholdSearchInput, opts: ThresholdSearchOptions): ThresholdSearch {
  const { windows, outcome } = input;
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
  let given: number[] | undefined;
  if (opts.candidates !== undefined) {
    if (opts.candidates.length === 0) throw new Error(`invalid candidates: none given`);
    for (const t of opts.candidates) if (!Number.isFinite(t)) throw new Error(`invalid candidate: ${t}`);
    given = distinctSorted(opts.candidates);
  }

  const grid: ThresholdGridPoint[] = [];
  let best: { w: number; threshold: number; j: number; tp: number; fp: number } | undefined;
  const perWindow: { candidates: number[]; bucket: Int32Array }[] = [];

  windows.forEach((w, wi) => {
    const candidates = given ?? defaultCandidates(w.counts);
    const bucket = bucketOf(w.counts, candidates);
    perWindow.push({ candidates, bucket });
    const { pos, neg } = atOrAbove(bucket, outcome, candidates.length, null);
    for (let k = 0; k < candidates.length; k++) {
      const j = pos[k] / positives + (1 - neg[k] / (n - positives)) - 1;
      grid.push({ days: w.days, threshold: candidates[k], youdenJ: j, reach: (pos[k] + neg[k]) / n });
      const better =
        best === undefined ||
        j > best.j + TIE ||
        (j >= best.j - TIE &&
          (candidates[k] < best.threshold ||
            (candidates[k] === best.threshold && w.days < windows[best.w].days)));
      if (better) best = { w: wi, threshold: candidates[k], j, tp: pos[k], fp: neg[k] };
    }
  });
  if (best === undefined) throw new Error(`invalid candidates: none given`);

  const bw = best.w;
  const days = windows[bw].days;

  // Bootstrap: resample accounts, re-pick the threshold by J within the chosen window.
  const { candidates, bucket } = perWindow[bw];
  const random = mulberry32(seed);
  const weight = new Int32Array(n);
  const picks: number[] = [];
  let skipped = 0;
  for (let r = 0; r < bootstrap; r++) {
    weight.fill(0);
    for (let i = 0; i < n; i++) weight[Math.floor(random() * n)]++;
    let p = 0;
    for (let i = 0; i < n; i++) if (outcome[i] === 1) p += weight[i];
    if (p === 0 || p === n) {
      skipped++;
      continue;
    }
    const { pos, neg } = atOrAbove(bucket, outcome, candidates.length, weight);
    let bestK = 0;
    let bestJ = -Infinity;
    for (let k = 0; k < candidates.length; k++) {
      const j = pos[k] / p - neg[k] / (n - p);
      if (j > bestJ + TIE) {
        bestJ = j;
        bestK = k; // ascending candidates: ties keep the lower threshold
      }
    }
    picks.push(candidates[bestK]);
  }
  const thresholdInterval =
    picks.length === 0 ? { low: NaN, high: NaN } : { low: quantile(picks, 0.025), high: quantile(picks, 0.975) };

  let { threshold, j: youdenJ, tp, fp } = best;
  if (opts.bagged && picks.length > 0) {
    const middle = quantile(picks, 0.5);
    let k = 0;
    for (let c = 1; c < candidates.length; c++) if (Math.abs(candidates[c] - middle) < Math.abs(candidates[k] - middle) - TIE) k = c;
    const { pos, neg } = atOrAbove(bucket, outcome, candidates.length, null);
    [threshold, tp, fp] = [candidates[k], pos[k], neg[k]];
    youdenJ = tp / positives - fp / (n - positives);
  }
  const negatives = n - positives;
  const fn = positives - tp;
  const tn = negatives - fp;
  const choice: ThresholdChoice = {
    days,
    threshold,
    youdenJ,
    sensitivity: wilsonInterval(tp, positives),
    specificity: wilsonInterval(tn, negatives),
    ppv: wilsonInterval(tp, tp + fp),
    npv: wilsonInterval(tn, tn + fn),
    reach: wilsonInterval(tp + fp, n),
  };

  const warnings: string[] = [];
  const reach = (tp + fp) / n;
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
  if (youdenJ <= 0) {
    warnings.push(`no threshold separates retained from churned accounts (best Youden's J ${youdenJ.toFixed(2)})`);
  }
  if (skipped > 0) {
    warnings.push(
      `${skipped} of ${bootstrap} bootstrap resamples held only retained or only churned accounts and were skipped`,
    );
  }

  return { best: choice, thresholdInterval, grid, warnings };
}

function checkShare(name: string, x: number): void {
  if (!Number.isFinite(x) || x < 0 || x > 1) throw new Error(`invalid ${name}: ${x}`);
}

function distinctSorted(values: ArrayLike<number>): number[] {
  return Array.from(new Set(Array.from(values))).sort((a, b) => a - b);
}

/** The distinct values when there are at most 60; else the distinct type-1 quantiles k/59 (observed values). */
function defaultCandidates(counts: Float64Array): number[] {
  const distinct = distinctSorted(counts);
  if (distinct.length <= MAX_DEFAULT_CANDIDATES) return distinct;
  const sorted = Float64Array.from(counts).sort();
  const n = sorted.length;
  const out: number[] = [];
  for (let k = 0; k < MAX_DEFAULT_CANDIDATES; k++) {
    const q = k / (MAX_DEFAULT_CANDIDATES - 1);
    out.push(sorted[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))]);
  }
  return distinctSorted(out);
}

/** Per account: index of the highest candidate at or below its count, or −1 when below all. */
function bucketOf(counts: Float64Array, candidates: number[]): Int32Array {
  const bucket = new Int32Array(counts.length);
  for (let i = 0; i < counts.length; i++) {
    let lo = 0;
    let hi = candidates.length; // first index with candidate > count
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (candidates[mid] <= counts[i]) lo = mid + 1;
      else hi = mid;
    }
    bucket[i] = lo - 1;
  }
  return bucket;
}

/** Per candidate k: (weighted) retained and churned accounts with count ≥ candidates[k]. */
function atOrAbove(
  bucket: Int32Array,
  outcome: Uint8Array,
  m: number,
  weight: Int32Array | null,
): { pos: Float64Array; neg: Float64Array } {
  const pos = new Float64Array(m);
  const neg = new Float64Array(m);
  for (let i = 0; i < bucket.length; i++) {
    const b = bucket[i];
    if (b < 0) continue;
    const wgt = weight === null ? 1 : weight[i];
    if (outcome[i] === 1) pos[b] += wgt;
    else neg[b] += wgt;
  }
  for (let k = m - 2; k >= 0; k--) {
    pos[k] += pos[k + 1];
    neg[k] += neg[k + 1];
  }
  return { pos, neg };
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
