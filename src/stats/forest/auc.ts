import { sortFinite } from './sort.js';

/**
 * Area under the ROC curve as the Mann–Whitney statistic: the chance that a random positive
 * scores above a random negative, ties counting one half. NaN without both classes.
 *
 * Positives' and negatives' scores are sorted apart and merged, counting each positive's lower
 * and tied negatives exactly in integers. Permutation importance calls this hundreds of times
 * per fit, so the sort is sort.ts's radix sort, several times faster than the typed array's.
 */
export function auc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const n = scores.length;
  if (labels.length !== n) throw new Error(`invalid labels length: ${labels.length} (scores: ${n})`);
  let positives = 0;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(scores[i])) throw new Error(`invalid scores[${i}]: ${scores[i]}`);
    const label = labels[i];
    if (label !== 0 && label !== 1) throw new Error(`invalid labels[${i}]: ${label}`);
    positives += label;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return NaN;

  const pos = new Float64Array(positives);
  const neg = new Float64Array(negatives);
  for (let i = 0, p = 0, q = 0; i < n; i++) {
    if (labels[i] === 1) pos[p++] = scores[i];
    else neg[q++] = scores[i];
  }
  return aucOfSplit(pos, neg, new Float64Array(Math.max(positives, negatives)));
}

/**
 * AUC from the positives' and the negatives' finite scores, both non-empty; sorts them in place.
 * `scratch` holds at least as many values as the longer of the two.
 */
export function aucOfSplit(pos: Float64Array, neg: Float64Array, scratch: Float64Array): number {
  const positives = pos.length;
  const negatives = neg.length;
  sortFinite(pos, scratch);
  sortFinite(neg, scratch);
  // twiceU = Σ over positives of 2 × (negatives below) + (negatives tied): exact below 2^53.
  let twiceU = 0;
  let below = 0; // negatives < the current positive
  let upTo = 0; // negatives ≤ the current positive
  for (let p = 0; p < positives; p++) {
    const s = pos[p];
    while (below < negatives && neg[below] < s) below++;
    if (upTo < below) upTo = below;
    while (upTo < negatives && neg[upTo] <= s) upTo++;
    twiceU += below + upTo;
  }
  return twiceU / (2 * positives * negatives);
}
