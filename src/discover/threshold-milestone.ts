/**
 * A threshold milestone (activation: a count within a window from signup; utilization: a rate
 * per seat per month). The window and the threshold are chosen on the earlier cohorts (with a
 * bootstrap of accounts that chooses the window again each time, for the interval), judged on
 * the later ones, and tested against a label-permutation null that makes the whole choice again
 * on shuffled outcomes.
 */
import { StratifiedShuffler } from '../stats/index.js';
import type { HeldOutRates, NullTest } from './evidence.js';
import { heldOutRates, labelPermutationTest, pick } from './null-check.js';
import { binaryRates, reachedAt, searchThreshold, ThresholdScan, youdenJ, type ThresholdSearch } from './threshold-search.js';

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

  const heldOutcome = pick(outcome, heldOut);
  const heldValues = values.map((v) => pick(v, heldOut));
  const w = windows.indexOf(search.best.days);
  const rates = binaryRates(reachedAt(heldValues[w], search.best.threshold), heldOutcome);
  const heldOutEvidence = heldOutRates(unit, heldOut.length, heldOutcome.reduce((a, b) => a + b, 0), rates);

  // The null: shuffle outcomes within strata on both sides, choose again, judge again.
  const scan = new ThresholdScan(selWindows, candidates ? [...new Set(candidates)].sort((a, b) => a - b) : undefined, selClusters);
  const selShuffler = new StratifiedShuffler(pick(strata, selection));
  const heldShuffler = new StratifiedShuffler(pick(strata, heldOut));
  const selY = Uint8Array.from(selOutcome);
  const heldY = Uint8Array.from(heldOutcome);
  const nullTest = labelPermutationTest({
    statistic: `held-out Youden's J (${unit}s)`,
    how: 'outcomes shuffled within plan, on both sides; window and threshold chosen again on the earlier cohorts, judged on the later',
    observed: rates.youdenJ,
    permutations,
    seed: seed ^ 0x2545f491,
    draw: (random) => {
      selShuffler.shuffle(selY, random);
      heldShuffler.shuffle(heldY, random);
      const choice = scan.best(selY, null);
      return choice === null ? NaN : youdenJ(reachedAt(heldValues[choice.w], scan.candidates[choice.w][choice.k]), heldY);
    },
  });
  return { search, heldOut: heldOutEvidence, nullTest };
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
