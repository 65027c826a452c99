import jStat from 'jstat';
import { normalCritical } from './distributions.js';
import { checkConfidence } from './validate.js';

/**
 * Power of a two-sided z-test at `confidence` to detect a true effect of `effect` when the
 * estimate's standard error is `se`: Φ(|δ|/se − z) + Φ(−|δ|/se − z). The design's power for
 * the declared target, not "observed power" for the observed effect (which says nothing new).
 */
export function twoSidedPower(effect: number, se: number, confidence = 0.95): number {
  checkConfidence(confidence);
  if (!(se > 0) || !Number.isFinite(effect)) return NaN;
  const z = normalCritical(confidence);
  const shift = Math.abs(effect) / se;
  return jStat.normal.cdf(shift - z, 0, 1) + jStat.normal.cdf(-shift - z, 0, 1);
}
