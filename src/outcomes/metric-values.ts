/**
 * A declared metric as a function of (account, start day): the account's value over the window
 * that starts that day, or null when the account is not at risk then (not signed up, already
 * churned, or for a milestone already reached). Retention and milestones are 0/1, so their
 * means are proportions; counts and MRR are per-account means.
 */
import type { OutcomeMetric } from '../config/index.js';
import { describeMatcher } from '../milestones/index.js';
import type { MatcherDay } from './outcome-queries.js';
import { NEVER, type Population } from './population.js';

export interface MetricValues {
  /** proportion: 0/1 values, differences in proportions; mean: differences in means. */
  scale: 'proportion' | 'mean';
  /** Days the window lasts; a start is judged once start + days ≤ the data's last day. */
  days: number;
  value(account: number, start: number): number | null;
}

export function metricLabel(m: OutcomeMetric): string {
  switch (m.kind) {
    case 'retention':
      return `still a customer ${m.days} days after exposure`;
    case 'count':
      return `${describeMatcher(m.when)} per account within ${m.within_days} days`;
    case 'milestone':
      return `reached ${m.name} within ${m.within_days} days`;
    case 'mrr':
      return `MRR ${m.days} days after exposure`;
    case 'signups':
      return 'new accounts per week';
  }
}

/** Per-account event days as compressed rows, for sums over any window by binary search. */
export class DailyCounts {
  private readonly offsets: Int32Array;
  private readonly days: Int32Array;
  private readonly cumulative: Float64Array;

  private constructor(accounts: number, keyed: { a: number; day: number; n: number }[]) {
    keyed.sort((x, y) => x.a - y.a || x.day - y.day);
    // One entry per account and day: several matchers' rows for a day add up.
    const merged: typeof keyed = [];
    for (const k of keyed) {
      const last = merged.at(-1);
      if (last && last.a === k.a && last.day === k.day) last.n += k.n;
      else merged.push({ ...k });
    }
    this.offsets = new Int32Array(accounts + 1);
    for (const k of merged) this.offsets[k.a + 1]++;
    for (let i = 0; i < accounts; i++) this.offsets[i + 1] += this.offsets[i];
    this.days = Int32Array.from(merged, (k) => k.day);
    this.cumulative = new Float64Array(merged.length + 1);
    merged.forEach((k, j) => (this.cumulative[j + 1] = this.cumulative[j] + k.n));
  }

  static fromRows(p: Pick<Population, 'index' | 'ids'>, rows: readonly MatcherDay[]): DailyCounts {
    const keyed: { a: number; day: number; n: number }[] = [];
    for (const r of rows) {
      const a = p.index.get(r.account_id);
      if (a !== undefined) keyed.push({ a, day: r.day, n: r.n });
    }
    return new DailyCounts(p.ids.length, keyed);
  }

  /** Events of any of several matchers, per account and day. */
  static union(parts: readonly DailyCounts[]): DailyCounts {
    const accounts = parts[0].offsets.length - 1;
    const keyed: { a: number; day: number; n: number }[] = [];
    for (const c of parts) {
      for (let a = 0; a < accounts; a++) {
        for (let j = c.offsets[a]; j < c.offsets[a + 1]; j++) keyed.push({ a, day: c.days[j], n: c.cumulative[j + 1] - c.cumulative[j] });
      }
    }
    return new DailyCounts(accounts, keyed);
  }

  /** Events of account `a` on days in [from, to). */
  sum(a: number, from: number, to: number): number {
    return this.cumulative[this.lowerBound(a, to)] - this.cumulative[this.lowerBound(a, from)];
  }

  /** Distinct days with events of account `a` in [from, to). */
  activeDays(a: number, from: number, to: number): number {
    return this.lowerBound(a, to) - this.lowerBound(a, from);
  }

  /** The account's event days in [from, to), in order. */
  daysIn(a: number, from: number, to: number): Int32Array {
    return this.days.subarray(this.lowerBound(a, from), this.lowerBound(a, to));
  }

  /** First index of account `a` whose day is ≥ `day`. */
  private lowerBound(a: number, day: number): number {
    let lo = this.offsets[a];
    let hi = this.offsets[a + 1];
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.days[mid] < day) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

const alive = (p: Population, a: number, start: number) => p.signup[a] <= start && start < p.churn[a];

export function retentionValues(p: Population, days: number): MetricValues {
  return { scale: 'proportion', days, value: (a, start) => (alive(p, a, start) ? (p.churn[a] > start + days ? 1 : 0) : null) };
}

export function countValues(p: Population, days: number, counts: DailyCounts): MetricValues {
  return { scale: 'mean', days, value: (a, start) => (alive(p, a, start) ? counts.sum(a, start, start + days) : null) };
}

/** `reached`: the day each account reached the milestone, NEVER when it has not. */
export function milestoneValues(p: Population, days: number, reached: Int32Array): MetricValues {
  return {
    scale: 'proportion',
    days,
    value: (a, start) => (alive(p, a, start) && reached[a] >= start ? (reached[a] < start + days ? 1 : 0) : null),
  };
}

/** MRR `days` after the start, from account history (0 once churned). */
export function mrrValues(p: Population, days: number): MetricValues {
  return {
    scale: 'mean',
    days,
    value: (a, start) => {
      if (!alive(p, a, start)) return null;
      const day = start + days;
      if (p.churn[a] <= day) return 0;
      let mrr = 0;
      for (const h of p.history.get(p.ids[a]) ?? []) {
        if (h.day > day) break;
        if (h.mrr !== null) mrr = h.mrr;
      }
      return mrr;
    },
  };
}

export { NEVER };
