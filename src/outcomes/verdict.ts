/**
 * The verdict on a launch's outcome, with its reason in one sentence. The estimate judged is
 * the strongest eligible design's, with its interval valid over every declared checkpoint:
 *  - met: the interval excludes no effect, in the declared direction, and the estimate reaches
 *    the target;
 *  - not met: the interval's far end (in the declared direction) falls short of the target;
 *  - inconclusive: neither, or the evidence cannot carry a verdict (observational only, not
 *    instrumented, not pre-registered);
 *  - too early: not launched, before the first checkpoint, or no outcome window closed yet.
 * An observational design (grade D) can say "not met" but never "met".
 */
import { effect, interval } from '../model/figure-text.js';
import { dayText } from './day-numbers.js';
import type { Measurement } from './measure-metric.js';

export type Verdict = 'met' | 'not_met' | 'inconclusive' | 'too_early';

export interface VerdictInput {
  launchedAt: string | undefined;
  launchDay: number | null;
  at: number;
  firstCheckpoint: number;
  outcome: Measurement | null;
  preRegistered: boolean;
  /** When the outcome was first declared (ISO), for the reason. */
  firstDeclared: string | null;
  instrumented: boolean;
  gateProblem: string | null;
}

export function decideVerdict(v: VerdictInput): { verdict: Verdict; reason: string } {
  if (v.launchedAt === undefined || v.launchDay === null) return { verdict: 'too_early', reason: 'Not launched yet: no launched_at in the launch file.' };
  if (v.at < v.launchDay) return { verdict: 'too_early', reason: `Launches on ${v.launchedAt}, after this report's date.` };
  const first = v.launchDay + v.firstCheckpoint;
  if (v.at < first) return { verdict: 'too_early', reason: `The first checkpoint (${v.firstCheckpoint} days) is on ${dayText(first)}; judging before it rushes the report.` };
  const o = v.outcome;
  if (!o) return { verdict: 'inconclusive', reason: 'No outcome was declared, so there is nothing to judge the launch against.' };
  if (!v.preRegistered) {
    return { verdict: 'inconclusive', reason: `The outcome was first declared ${v.firstDeclared ? `on ${v.firstDeclared.slice(0, 10)}` : 'only now'}, after launch: the result is exploratory, not a verdict.` };
  }
  if (!v.instrumented) return { verdict: 'inconclusive', reason: `The launch is not instrumented (${v.gateProblem ?? 'see the gate'}), so adoption cannot be tied to the outcome.` };
  const d = o.primary;
  if (!d) {
    const ran = o.designs.filter((x) => x.applicable);
    if (ran.length === 0) {
      const closes = v.launchDay + windowDays(o);
      if (v.at < closes + 7) return { verdict: 'too_early', reason: `No account's ${windowDays(o)}-day window since launch has closed enough to measure (the first closes on ${dayText(closes)}).` };
      return { verdict: 'inconclusive', reason: `No design could run on this data: ${o.designs.map((x) => x.why_not).filter(Boolean)[0]}.` };
    }
    const failed = ran.flatMap((x) => x.caveats).find((c) => /placebo|drifting/.test(c));
    return { verdict: 'inconclusive', reason: `Every design that ran failed its own check (${failed ?? 'placebo or pre-trends'}).` };
  }
  if (d.estimate === null || d.low === null || d.high === null) return { verdict: 'inconclusive', reason: `${d.label} gave no estimate.` };
  const sign = o.direction === 'increase' ? 1 : -1;
  const target = o.expected === null ? null : Math.abs(o.expected);
  if (target === null) return { verdict: 'inconclusive', reason: 'The relative target needs a comparison value that this design does not give.' };
  const est = sign * d.estimate;
  const near = sign === 1 ? d.low : -d.high;
  const far = sign === 1 ? d.high : -d.low;
  // Figures as every report and page writes them: points of a share, signed differences.
  const fmt = (x: number) => effect(x, o.scale);
  const ci = `${fmt(d.estimate)} ${interval(d.low, d.high, o.scale)}`;
  const pct = `${Math.round(o.confidence * 1000) / 10}%`;
  if (far < target) return { verdict: 'not_met', reason: `${d.label}: ${ci} (${pct}); even its ${o.direction === 'increase' ? 'upper' : 'lower'} end falls short of the target ${fmt(sign * target)}.` };
  if (d.grade === 'D') return { verdict: 'inconclusive', reason: `Only an observational comparison could run (${d.label}: ${ci}); it shows an association, not that the launch caused it.` };
  if (near > 0 && est >= target) return { verdict: 'met', reason: `${d.label}: ${ci} (${pct}), reaching the target ${fmt(sign * target)}.` };
  if (near > 0) return { verdict: 'inconclusive', reason: `${d.label}: ${ci} (${pct}): a real ${o.direction} so far, smaller than the target ${fmt(sign * target)}, which the interval still allows.` };
  return { verdict: 'inconclusive', reason: `${d.label}: ${ci} (${pct}) includes no effect and the target ${fmt(sign * target)} alike.` };
}

function windowDays(o: Measurement): number {
  const m = o.metric;
  return m.kind === 'count' || m.kind === 'milestone' ? m.within_days : m.kind === 'signups' ? 7 : m.days;
}
