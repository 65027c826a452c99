/**
 * (a) The holdout: accounts of the audience kept without the feature against those that got it,
 * each measured over the window starting the day the launch reached it (launch day, or signup
 * when later). Randomized, it is an experiment (grade A); otherwise an observational comparison
 * (grade D). Placebo: the same comparison over the window ending at launch, before anyone had
 * the feature.
 */
import type { LaunchConfig } from '../config/index.js';
import { dayText } from './day-numbers.js';
import { compareGroups, notApplicable, placeboOf, withFigures, type DesignResult, type DesignSettings } from './design-result.js';
import type { Population } from './population.js';

const RANDOMIZED = {
  name: 'randomized_holdout',
  label: 'Randomized holdout',
  grade: 'A',
  claims: 'the difference was caused by the launch: accounts were held out at random, so nothing else sets the groups apart',
  cannot_claim: 'the effect outside the audience, or under a different rollout',
} as const;

const OBSERVED = {
  name: 'holdout',
  label: 'Holdout (not randomized)',
  grade: 'D',
  claims: 'how the held-out accounts differ from those that got the feature (associations, not causes)',
  cannot_claim: 'that the launch caused the difference: the holdout was not chosen at random, so the groups may differ for other reasons',
} as const;

export function holdoutDesign(p: Population, holdout: LaunchConfig['holdout'], launchDay: number, at: number, s: DesignSettings): DesignResult {
  const base = holdout?.randomized ? RANDOMIZED : OBSERVED;
  if (!holdout) return notApplicable(RANDOMIZED, 'no holdout declared');
  const { metric } = s;
  const treated: number[] = [];
  const control: number[] = [];
  for (let a = 0; a < p.ids.length; a++) {
    if (!p.inAudience[a]) continue;
    const start = Math.max(launchDay, p.signup[a]);
    if (start + metric.days > at) continue;
    const v = metric.value(a, start);
    if (v === null) continue;
    (p.inHoldout[a] ? control : treated).push(v);
  }
  if (treated.length < s.minGroup || control.length < s.minGroup) {
    return notApplicable(base, `too few accounts whose ${metric.days}-day window has closed: ${treated.length} with the feature, ${control.length} held out (need ${s.minGroup} each)`);
  }
  const d = compareGroups(treated, control, metric.scale, s.confidence);

  // Placebo: both groups over the window that ends on the launch day.
  const fake = launchDay - metric.days;
  const pt: number[] = [];
  const pc: number[] = [];
  for (let a = 0; a < p.ids.length; a++) {
    if (!p.inAudience[a]) continue;
    const v = metric.value(a, fake);
    if (v !== null) (p.inHoldout[a] ? pc : pt).push(v);
  }
  const placebo = pt.length >= s.minGroup && pc.length >= s.minGroup ? placeboOf(dayText(fake), compareGroups(pt, pc, metric.scale, s.confidence)) : null;
  const caveats: string[] = [];
  if (placebo && !placebo.passed) {
    caveats.push(
      holdout.randomized
        ? 'the groups already differed before launch (placebo): chance imbalance or a broken assignment; check how accounts were held out'
        : 'the groups already differed before launch (placebo): the comparison mixes the launch with who was held out',
    );
  }
  if (!placebo) caveats.push('no placebo: too little data before launch');
  return {
    ...base,
    applicable: true,
    why_not: null,
    eligible: true,
    ...withFigures(d, s, d.control.value),
    treated: d.treated,
    control: d.control,
    placebo,
    diagnostics: { window_days: metric.days },
    caveats,
  };
}
