/**
 * A threshold milestone (activation: a count within a window from signup; utilization: a rate
 * per seat per month). The window and the threshold are chosen on the earlier cohorts (with a
 * bootstrap of accounts that chooses the window again each time, for the interval), judged on
 * the later ones, and tested against a label-permutation null that makes the whole choice again
 * on shuffled outcomes.
 */
import type { HeldOutRates, NullTest } from './evidence.js';
import { judgeChoice, pick } from './null-check.js';
import { reachedAt, searchThreshold, ThresholdScan, type ThresholdSearch } from './threshold-search.js';

export interface ThresholdMilestoneInput {
  /** Window lengths in days (one window for a monthly rate). */
  windows: number[];
  /** Per window, per unit: the measure (a count within the window, or a rate per seat). */
  values: Float64Array[];
  /** Per unit: 1 for the good outcome (retained; no churn the month after). */
  outcome: Uint8Array;
  /** Units the choice is made on, and units it is judged on. */
  selection: Int32Array;
  heldOut: Int32Array;
  /** Per unit: its permutation stratum (plan); outcomes are shuffled within strata. */
  strata: Int32Array;
  /** Per unit: its cluster for the bootstrap (its account, for account-months); default itself. */
  clusters?: Int32Array;
  /** Thresholds to try; default each window's distinct quantiles. */
  candidates?: number[];
  /** 'account' or 'account-month'. */
  unit: string;
}

export interface ThresholdMilestoneOptions {
  seed: number;
  bootstrap: number;
  permutations: number;
  actionLabel: string;
}

export interface ThresholdMilestoneChoice {
  /** Chosen on the selection units: in-sample rates, the interval, the grid. */
  search: ThresholdSearch;
  heldOut: HeldOutRates;
  nullTest: NullTest;
}

/** Chooses, judges and tests a threshold milestone; null when the selection units hold one outcome only. */
export function chooseThresholdMilestone(input: ThresholdMilestoneInput, opts: ThresholdMilestoneOptions): ThresholdMilestoneChoice | null {
  const { windows, values, outcome, selection, heldOut, strata, clusters, candidates, unit } = input;
  const { seed, bootstrap, permutations, actionLabel } = opts;
  const selOutcome = pick(outcome, selection);
  const selClusters = clusters ? denseCodes(pick(clusters, selection)) : undefined;
  const positives = selOutcome.reduce((a, b) => a + b, 0);
  if (positives === 0 || positives === selOutcome.length) return null;
  const selWindows = windows.map((days, w) => ({ days, counts: pick(values[w], selection) }));
  const search = searchThreshold(
    { windows: selWindows, outcome: selOutcome, ...(selClusters ? { clusters: selClusters } : {}) },
    { seed, bootstrap, actionLabel, ...(candidates ? { candidates } : {}) },
  );

  const heldValues = values.map((v) => pick(v, heldOut));
  const scan = new ThresholdScan(selWindows, candidates ? [...new Set(candidates)].sort((a, b) => a - b) : undefined, selClusters, [0.05, 0.95]);
  const judged = judgeChoice({
    unit,
    statistic: `held-out Youden's J (${unit}s)`,
    how: 'outcomes shuffled within plan, on both sides; window and threshold chosen again on the earlier cohorts, judged on the later',
    permutations,
    seed: seed ^ 0x2545f491,
    selection: { outcome: selOutcome, strata: pick(strata, selection) },
    heldOut: { outcome: pick(outcome, heldOut), strata: pick(strata, heldOut) },
    chosen: { w: windows.indexOf(search.best.days), threshold: search.best.threshold },
    reached: (c) => reachedAt(heldValues[c.w], c.threshold),
    chooseAgain: (y) => {
      const again = scan.best(y, null);
      return again && { w: again.w, threshold: scan.candidates[again.w][again.k] };
    },
  });
  return { search, ...judged };
}

/** Codes renumbered 0..k−1 in order of first appearance. */
function denseCodes(codes: Int32Array): Int32Array {
  const index = new Map<number, number>();
  return codes.map((c) => {
    let d = index.get(c);
    if (d === undefined) index.set(c, (d = index.size));
    return d;
  });
}
