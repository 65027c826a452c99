/**
 * A declared metric as a function of (account, start day): the account's value over the window
 * that starts that day, or null when the account is not at risk then (not signed up, already
 * churned, or for a milestone already reached). Retention and milestones are 0/1, so their
 * means are proportions; counts and MRR are per-account means.
 */
import type { OutcomeMetric } from '../config/index.js';
import { describeMatcher } from '../milestones/index.js';
import type { MatcherDays } from './outcome-queries.js';
import type { Population } from './population.js';

export interface MetricValues {
  /** proportion: 0/1 values, differences in proportions; mean: differences in means. */
  scale: 'proportion' | 'mean';
  /** Days the window lasts; a start is judged once start + days ≤ the data's last day. */
  days: number;
  value(account: number, start: number): number | null;
}

/** How a metric's values read before anything is measured: 0/1 (retention, milestones) are proportions. */
export const metricScale = (m: OutcomeMetric): MetricValues['scale'] => (m.kind === 'retention' || m.kind === 'milestone' ? 'proportion' : 'mean');

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

  /** From entries (account index, day, count) in any order: bucketed by account, then by day. */
  private constructor(accounts: number, account: Int32Array, day: Int32Array, count: Float64Array) {
    const starts = new Int32Array(accounts + 1);
    for (let i = 0; i < account.length; i++) starts[account[i] + 1]++;
    for (let a = 0; a < accounts; a++) starts[a + 1] += starts[a];
    const fill = starts.slice(0, accounts);
    const days = new Int32Array(account.length);
    const counts = new Float64Array(account.length);
    for (let i = 0; i < account.length; i++) {
      const at = fill[account[i]]++;
      days[at] = day[i];
      counts[at] = count[i];
    }
    // Sort each account's few days (insertion sort: rows mostly arrive in order), then merge
    // entries of the same day (several matchers' rows for a day add up).
    this.offsets = new Int32Array(accounts + 1);
    let out = 0;
    for (let a = 0; a < accounts; a++) {
      const from = starts[a];
      const to = starts[a + 1];
      for (let i = from + 1; i < to; i++) {
        const d = days[i];
        const c = counts[i];
        let j = i - 1;
        while (j >= from && days[j] > d) {
          days[j + 1] = days[j];
          counts[j + 1] = counts[j];
          j--;
        }
        days[j + 1] = d;
        counts[j + 1] = c;
      }
      for (let i = from; i < to; i++) {
        if (out > this.offsets[a] && days[out - 1] === days[i]) counts[out - 1] += counts[i];
        else {
          days[out] = days[i];
          counts[out] = counts[i];
          out++;
        }
      }
      this.offsets[a + 1] = out;
    }
    this.days = days.slice(0, out);
    this.cumulative = new Float64Array(out + 1);
    for (let j = 0; j < out; j++) this.cumulative[j + 1] = this.cumulative[j] + counts[j];
  }

  /**
   * Reads the rows once: `of(ms)` then gives the counts of those matchers added up, the rows of
   * accounts outside the population left out.
   */
  static reader(p: Pick<Population, 'index' | 'ids'>, rows: MatcherDays, matchers: number): (ms: readonly number[]) => DailyCounts {
    const account = new Int32Array(rows.m.length);
    const byMatcher: number[][] = Array.from({ length: matchers }, () => []);
    for (let r = 0; r < rows.m.length; r++) {
      const a = p.index.get(rows.account_id[r]);
      if (a === undefined) continue;
      account[r] = a;
      byMatcher[rows.m[r]].push(r);
    }
    const memo = new Map<string, DailyCounts>();
    return (ms) => {
      const key = [...new Set(ms)].sort((x, y) => x - y).join(',');
      let counts = memo.get(key);
      if (!counts) {
        const keep = key.split(',').flatMap((m) => byMatcher[Number(m)]);
        counts = new DailyCounts(p.ids.length, Int32Array.from(keep, (r) => account[r]), Int32Array.from(keep, (r) => rows.day[r]), Float64Array.from(keep, (r) => rows.n[r]));
        memo.set(key, counts);
      }
      return counts;
    };
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

