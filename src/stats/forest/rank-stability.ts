import { quantile } from '../quantiles.js';

/**
 * How stable each feature's importance rank is over several fits or resamples: rank 1 is the
 * most important, ties share their mean rank; low/high are the 2.5% and 97.5% quantiles (type 7).
 */
export function rankStability(importances: Float64Array[]): { meanRank: Float64Array; low: Float64Array; high: Float64Array } {
  if (importances.length === 0) throw new Error(`invalid importances: empty`);
  const features = importances[0].length;
  const ranks = importances.map((importance, k) => {
    if (importance.length !== features) throw new Error(`invalid importances[${k}] length: ${importance.length} (expected ${features})`);
    for (let f = 0; f < features; f++) {
      if (!Number.isFinite(importance[f])) throw new Error(`invalid importances[${k}][${f}]: ${importance[f]}`);
    }
    return ranksDescending(importance);
  });
  const meanRank = new Float64Array(features);
  const low = new Float64Array(features);
  const high = new Float64Array(features);
  for (let f = 0; f < features; f++) {
    const values = ranks.map((r) => r[f]);
    meanRank[f] = values.reduce((a, b) => a + b, 0) / values.length;
    low[f] = quantile(values, 0.025);
    high[f] = quantile(values, 0.975);
  }
  return { meanRank, low, high };
}

/** 1 for the largest value; a tie block shares the mean of its ranks. */
function ranksDescending(values: Float64Array): Float64Array {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[b] - values[a]);
  const ranks = new Float64Array(n);
  for (let start = 0; start < n; ) {
    let end = start + 1;
    while (end < n && values[order[end]] === values[order[start]]) end++;
    for (let k = start; k < end; k++) ranks[order[k]] = (start + 1 + end) / 2;
    start = end;
  }
  return ranks;
}
