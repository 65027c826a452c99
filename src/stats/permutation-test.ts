import { rankStability } from './forest/rank-stability.js';
import { mulberry32 } from './random.js';

/**
 * Label permutation tests: the null distribution of a statistic when outcomes are shuffled
 * among units, within strata (e.g. plan) so that what the strata explain is kept.
 */

/** Strata as dense codes 0..k-1, in the order the labels first appear; null: one stratum. */
export function strataCodes(labels: readonly string[] | null, n: number): Int32Array {
  const codes = new Int32Array(n);
  if (labels === null) return codes;
  if (labels.length !== n) throw new Error(`invalid strata length: ${labels.length} (expected ${n})`);
  const index = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    let c = index.get(labels[i]);
    if (c === undefined) index.set(labels[i], (c = index.size));
    codes[i] = c;
  }
  return codes;
}

/**
 * Shuffles `values` in place within each stratum (Fisher–Yates on each stratum's positions):
 * every value stays in its stratum, and within it every order is equally likely.
 */
export class StratifiedShuffler {
  private readonly positions: Int32Array;
  private readonly starts: Int32Array;

  constructor(strata: Int32Array) {
    const k = strata.reduce((m, c) => Math.max(m, c + 1), 0);
    const counts = new Int32Array(k + 1);
    for (const c of strata) {
      if (!(c >= 0)) throw new Error(`invalid stratum code: ${c}`);
      counts[c + 1]++;
    }
    for (let c = 0; c < k; c++) counts[c + 1] += counts[c];
    this.starts = counts;
    this.positions = new Int32Array(strata.length);
    const fill = counts.slice(0, k);
    strata.forEach((c, i) => (this.positions[fill[c]++] = i));
  }

  shuffle<T extends { [i: number]: number }>(values: T, random: () => number): T {
    const { positions, starts } = this;
    for (let s = 0; s + 1 < starts.length; s++) {
      const from = starts[s];
      for (let i = starts[s + 1] - 1; i > from; i--) {
        const j = from + Math.floor(random() * (i - from + 1));
        const a = positions[i];
        const b = positions[j];
        const t = values[a];
        values[a] = values[b];
        values[b] = t;
      }
    }
    return values;
  }
}

/** Upper-tail permutation p-value, (1 + #{null ≥ observed}) / (1 + B): never 0, exact under the null. */
export function permutationPValue(observed: number, nulls: ArrayLike<number>): number {
  if (Number.isNaN(observed)) return NaN;
  let atLeast = 0;
  for (let b = 0; b < nulls.length; b++) if (nulls[b] >= observed - 1e-12) atLeast++;
  return (1 + atLeast) / (1 + nulls.length);
}

/**
 * The null distribution of an AUC for fixed scores: `permutations` AUCs of the scores against
 * the labels shuffled within strata. For a model scored on accounts it never saw, this is the
 * exact permutation test that it ranks them better than chance (beyond what the strata say).
 * Midranks once, then each AUC is a rank sum: O(n) per permutation.
 */
export function aucPermutationNull(scores: ArrayLike<number>, labels: Uint8Array, strata: Int32Array, permutations: number, seed: number): Float64Array {
  const n = scores.length;
  if (labels.length !== n || strata.length !== n) throw new Error(`invalid lengths: scores ${n}, labels ${labels.length}, strata ${strata.length}`);
  if (!Number.isInteger(permutations) || permutations < 1) throw new Error(`invalid permutations: ${permutations}`);
  // Ranks from the lowest score up (ties share their mean): the descending ranks of the negated scores.
  const ranks = rankStability([Float64Array.from(scores, (v) => -v)]).meanRank;
  let positives = 0;
  for (let i = 0; i < n; i++) positives += labels[i];
  const negatives = n - positives;
  const out = new Float64Array(permutations);
  if (positives === 0 || negatives === 0) return out.fill(NaN);
  const shuffler = new StratifiedShuffler(strata);
  const random = mulberry32(seed);
  const y = Uint8Array.from(labels);
  const base = (positives * (positives + 1)) / 2;
  for (let b = 0; b < permutations; b++) {
    shuffler.shuffle(y, random);
    let sum = 0;
    for (let i = 0; i < n; i++) if (y[i]) sum += ranks[i];
    out[b] = (sum - base) / (positives * negatives);
  }
  return out;
}
