/**
 * The null check before proposing: each milestone's held-out J, and the forest's held-out AUC,
 * against what label permutations give; Holm across the milestones; nothing is proposed when
 * the forest itself does no better than chance.
 */
import { holm, mulberry32, permutationPValue, quantile, StratifiedShuffler } from '../stats/index.js';
import type { HeldOutRates, NullTest } from './evidence.js';
import { binaryRates, youdenJ } from './threshold-search.js';

/** One-sided level of every null check. */
export const ALPHA = 0.05;

/**
 * Runs `permutations` draws of the statistic under shuffled labels (`draw` shuffles and redoes
 * the choice itself) and compares the observed value with them. A draw after which nothing is
 * chosen returns NaN and counts as J = 0: no account reaches an empty milestone.
 */
export function labelPermutationTest(args: {
  statistic: string;
  how: string;
  observed: number;
  permutations: number;
  seed: number;
  draw: (random: () => number) => number;
}): NullTest {
  const random = mulberry32(args.seed);
  const nulls = new Float64Array(args.permutations);
  for (let b = 0; b < args.permutations; b++) {
    const v = args.draw(random);
    nulls[b] = Number.isNaN(v) ? 0 : v;
  }
  return nullTest(args.statistic, args.how, args.observed, nulls);
}

/** One side of a split for a permutation test: its outcomes and, per unit, its stratum. */
export interface PermutedSide {
  outcome: Uint8Array;
  strata: Int32Array;
}

/**
 * A choice made on the selection side, judged on the held-out side and tested: its rates on the
 * held-out units, and the null of its held-out J when both sides' outcomes are shuffled within
 * their strata (copies; the caller's stay) and the whole choice is made anew by `chooseAgain`
 * (null when nothing is chosen: J 0).
 */
export function judgeChoice<C>(args: {
  /** 'account' or 'account-month'. */
  unit: string;
  statistic: string;
  how: string;
  permutations: number;
  seed: number;
  selection: PermutedSide;
  heldOut: PermutedSide;
  chosen: C;
  /** Per held-out unit: 1 when it reaches the milestone a choice defines. */
  reached: (choice: C) => Uint8Array;
  chooseAgain: (selectionOutcome: Uint8Array) => C | null;
}): { heldOut: HeldOutRates; nullTest: NullTest } {
  const { selection, heldOut, reached } = args;
  const rates = binaryRates(reached(args.chosen), heldOut.outcome);
  const selShuffler = new StratifiedShuffler(selection.strata);
  const heldShuffler = new StratifiedShuffler(heldOut.strata);
  const selY = Uint8Array.from(selection.outcome);
  const heldY = Uint8Array.from(heldOut.outcome);
  const nullTest = labelPermutationTest({
    ...args,
    observed: rates.youdenJ,
    draw: (random) => {
      selShuffler.shuffle(selY, random);
      heldShuffler.shuffle(heldY, random);
      const again = args.chooseAgain(selY);
      return again === null ? NaN : youdenJ(reached(again), heldY);
    },
  });
  const positives = heldOut.outcome.reduce((a, b) => a + b, 0);
  return { heldOut: { unit: args.unit, units: heldOut.outcome.length, positives, youden_j: rates.youdenJ, ...pickRates(rates) }, nullTest };
}

const pickRates = ({ sensitivity, specificity, ppv, npv, reach }: ReturnType<typeof binaryRates>) => ({ sensitivity, specificity, ppv, npv, reach });

/** The summary of an observed statistic against its null draws. */
export function nullTest(statistic: string, how: string, observed: number, nulls: Float64Array): NullTest {
  const finite = [...nulls].filter(Number.isFinite);
  const p = permutationPValue(observed, nulls);
  return {
    statistic,
    observed,
    permutations: nulls.length,
    null_mean: finite.length ? finite.reduce((a, b) => a + b, 0) / finite.length : NaN,
    null_95: finite.length ? quantile(finite, 0.95) : NaN,
    p_value: p,
    p_holm: null,
    passed: p < ALPHA,
    how,
  };
}

/**
 * Which milestones are proposed: none unless the forest passes its own check; then those whose
 * Holm-adjusted p (across the milestones tested) is below ALPHA and whose prerequisites (`needs`)
 * are proposed too. Sets each test's p_holm and passed.
 */
export function gateMilestones(forest: NullTest, tests: { name: string; test: NullTest | null; needs?: string }[]): Set<string> {
  const adjusted = holm(tests.map((t) => t.test?.p_value ?? NaN));
  const proposed = new Set<string>();
  tests.forEach((t, i) => {
    if (!t.test) return;
    t.test.p_holm = adjusted[i];
    t.test.passed = forest.passed && adjusted[i] < ALPHA && (t.needs === undefined || proposed.has(t.needs));
    if (t.test.passed) proposed.add(t.name);
  });
  return proposed;
}

/** Values at some rows of an array, as a new array of the same kind. */
export function pick<T extends Float64Array | Uint8Array | Int32Array>(values: T, rows: Int32Array): T {
  const out = new (values.constructor as new (n: number) => T)(rows.length);
  for (let k = 0; k < rows.length; k++) out[k] = values[rows[k]];
  return out;
}
