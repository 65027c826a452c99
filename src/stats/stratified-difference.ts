import { normalCritical, normalTwoSidedP } from './distributions.js';
import type { Difference, SampleSummary } from './mean-difference.js';
import { checkConfidence } from './validate.js';

export interface Stratum {
  treated: SampleSummary;
  control: SampleSummary;
}

export interface StratifiedDifference extends Difference {
  /** Per stratum: the difference and its weight (0 for a stratum left out). */
  strata: { difference: number; weight: number }[];
  /** Strata left out because a group had fewer than 2 members. */
  dropped: number;
}

/**
 * A difference of means combined over strata (subclassification, Rosenbaum & Rubin 1984):
 * Σ w_s (mean_T − mean_C), variance Σ w_s² (var_T/n_T + var_C/n_C), normal interval. Weights
 * are the treated counts (the effect on the treated, `treated`) or all members (`total`).
 * Strata where a group has fewer than 2 members are left out and counted.
 */
export function stratifiedDifference(strata: readonly Stratum[], options: { confidence?: number; weights?: 'treated' | 'total' } = {}): StratifiedDifference {
  const { confidence = 0.95, weights = 'treated' } = options;
  checkConfidence(confidence);
  const usable = strata.map((s) => s.treated.n >= 2 && s.control.n >= 2);
  const raw = strata.map((s, i) => (usable[i] ? (weights === 'treated' ? s.treated.n : s.treated.n + s.control.n) : 0));
  const total = raw.reduce((a, b) => a + b, 0);
  const out = strata.map((s, i) => ({ difference: usable[i] ? s.treated.mean - s.control.mean : NaN, weight: total > 0 ? raw[i] / total : 0 }));
  const dropped = usable.filter((u) => !u).length;
  if (total === 0) return { estimate: NaN, low: NaN, high: NaN, se: NaN, pValue: NaN, strata: out, dropped };
  let estimate = 0;
  let variance = 0;
  strata.forEach((s, i) => {
    if (!usable[i]) return;
    const w = out[i].weight;
    estimate += w * out[i].difference;
    variance += w * w * (s.treated.variance / s.treated.n + s.control.variance / s.control.n);
  });
  const se = Math.sqrt(variance);
  const z = normalCritical(confidence);
  const pValue = se > 0 ? normalTwoSidedP(estimate / se) : estimate === 0 ? 1 : 0;
  return { estimate, low: estimate - z * se, high: estimate + z * se, se, pValue, strata: out, dropped };
}

/** Stratum 0..k−1 of each score by its k-quantiles; ties share a stratum (a score at a cut stays below it). */
export function quantileStrata(scores: ArrayLike<number>, k: number): Uint8Array {
  if (!Number.isInteger(k) || k < 1 || k > 255) throw new Error(`invalid k: ${k}`);
  const sorted = Float64Array.from(scores).sort();
  const cuts: number[] = [];
  for (let j = 1; j < k; j++) cuts.push(sorted[Math.max(0, Math.floor((j * sorted.length) / k) - 1)]);
  const out = new Uint8Array(scores.length);
  for (let i = 0; i < scores.length; i++) {
    let s = 0;
    while (s < cuts.length && scores[i] > cuts[s]) s++;
    out[i] = s;
  }
  return out;
}
