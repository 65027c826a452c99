import type { TrackedEvent } from '../model/index.js';
import { toDay } from './days.js';
import type { CountedMatcher } from './matchers.js';
import type { Day } from './types.js';

/** One account's counted events: all on one day, per matcher id. */
export interface CountedDay {
  day: Day;
  counts: Map<number, number>;
}

/**
 * The framework's matchers counted over events as a collector writes them, per account, so a
 * refresh can advance statuses by what arrived (StatusAdvancer) instead of reading history.
 * Counts what the daily table would: an event meets a matcher by action, object, place and
 * metadata text (matcherCondition). Accounts it cannot count with certainty are `unsure`, to be
 * computed from the data: matched events on two days, a metadata value the SQL compares as
 * JSON text rather than a string, account facts written (signup, seats, churn).
 */
export class EventTally {
  readonly accounts = new Map<string, CountedDay>();
  readonly unsure = new Set<string>();
  /** Matchers by action, then object; each with its metadata as text once. It runs for every event logged. */
  private readonly byAction = new Map<string, Map<string, Compiled[]>>();
  private lastDay = { n: NaN, day: '' };

  constructor(readonly matchers: readonly CountedMatcher[]) {
    for (const m of matchers) {
      let byObject = this.byAction.get(m.matcher.action);
      if (!byObject) this.byAction.set(m.matcher.action, (byObject = new Map()));
      const compiled = { id: m.id, place: m.matcher.place, metadata: Object.entries(m.matcher.metadata ?? {}).map(([k, v]): [string, string] => [k, String(v)]) };
      byObject.set(m.matcher.object, [...(byObject.get(m.matcher.object) ?? []), compiled]);
    }
  }

  event(e: TrackedEvent): void {
    const candidates = this.byAction.get(e.action)?.get(e.object);
    if (!candidates || (this.unsure.size > 0 && this.unsure.has(e.accountId))) return;
    let day: Day | null = null;
    for (const m of candidates) {
      const meets = meetsMatcher(e, m);
      if (meets === false) continue;
      if (meets === null) return this.markUnsure(e.accountId);
      if (!this.count(e.accountId, (day ??= this.dayOf(e.timestamp)), m.id, e.count)) return;
    }
  }

  /** An account's facts were written: its statuses need its data. */
  accountFacts(accountId: string): void {
    this.markUnsure(accountId);
  }

  /** Adds another tally of the same matchers (a later write). */
  add(other: EventTally): void {
    for (const id of other.unsure) this.markUnsure(id);
    for (const [id, c] of other.accounts) {
      for (const [m, n] of c.counts) if (!this.count(id, c.day, m, n)) break;
    }
  }

  /** Adds `n` events of matcher `m` on `day` to an account; false (the account now unsure) when it has counts of another day. */
  private count(accountId: string, day: Day, m: number, n: number): boolean {
    if (this.unsure.has(accountId)) return false;
    let counted = this.accounts.get(accountId);
    if (!counted) this.accounts.set(accountId, (counted = { day, counts: new Map() }));
    else if (counted.day !== day) {
      this.markUnsure(accountId);
      return false;
    }
    counted.counts.set(m, (counted.counts.get(m) ?? 0) + n);
    return true;
  }

  markUnsure(accountId: string): void {
    this.unsure.add(accountId);
    this.accounts.delete(accountId);
  }

  /** The event's day; events of one day come in runs, so the last one's text is kept. */
  private dayOf(timestamp: number): Day {
    const n = Math.floor(timestamp / 86_400_000);
    if (n !== this.lastDay.n) this.lastDay = { n, day: toDay(timestamp) };
    return this.lastDay.day;
  }
}

interface Compiled {
  id: number;
  place: string | undefined;
  metadata: [key: string, text: string][];
}

/** Whether the event meets the matcher; null when only the SQL can say (metadata that is not text). */
function meetsMatcher(e: TrackedEvent, m: Compiled): boolean | null {
  if (m.place !== undefined && e.place !== m.place) return false;
  for (const [k, want] of m.metadata) {
    const v = Object.hasOwn(e.metadata, k) ? e.metadata[k] : undefined;
    if (v === undefined) return false;
    if (typeof v !== 'string') return null;
    if (v !== want) return false;
  }
  return true;
}
