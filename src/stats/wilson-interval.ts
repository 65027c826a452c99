import { normalCritical } from './distributions.js';
import type { Interval } from './interval.js';
import { checkConfidence, checkCount } from './validate.js';

/**
 * Wilson score interval for a binomial proportion (Wilson 1927; Newcombe 1998, method 3).
 * With `trials` = 0 there is no information: estimate NaN and the whole range [0, 1].
 */
export function wilsonInterval(successes: number, trials: number, confidence = 0.95): Interval {
  checkCount('trials', trials);
  checkCount('successes', successes, ` (trials ${trials})`);
  if (successes > trials) throw new Error(`invalid successes: ${successes} (trials ${trials})`);
  checkConfidence(confidence);
  if (trials === 0) return { estimate: NaN, low: 0, high: 1 };

  const z = normalCritical(confidence);
  const p = successes / trials;
  const z2n = (z * z) / trials;
  const centre = (p + z2n / 2) / (1 + z2n);
  const halfWidth = (z * Math.sqrt(p * (1 - p) / trials + z2n / (4 * trials))) / (1 + z2n);
  // The limits touch 0 and 1 exactly at the extremes; rounding must not push them past.
  const low = successes === 0 ? 0 : Math.max(0, centre - halfWidth);
  const high = successes === trials ? 1 : Math.min(1, centre + halfWidth);
  return { estimate: p, low, high };
}
