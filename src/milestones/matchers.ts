import type { Matcher } from '../config/index.js';
import type { SqlDialect } from '../store/index.js';
import { ident, join, sql, type SqlFragment } from '../store/index.js';

/** One distinct event matcher of the config, counted per account and day under its id. */
export interface CountedMatcher {
  id: number;
  matcher: Matcher;
  /** Days before the as-of day (that one included) whose counts are read; null: all of them. */
  lookback: number | null;
}

const key = (m: Matcher): string =>
  JSON.stringify([m.action, m.object, m.place ?? null, Object.entries(m.metadata ?? {}).sort(([a], [b]) => a.localeCompare(b))]);

/**
 * The distinct matchers a framework uses. Each gets an id `m` in the daily table, so every
 * milestone reads one small table instead of scanning events again.
 */
export class MatcherIds {
  private byKey = new Map<string, CountedMatcher>();

  /**
   * The id counting this matcher's events; the same matcher always gets the same id. A reader
   * that looks only at the last `lookbackDays` days up to the as-of day says so, and the daily
   * table then keeps only those days for it (unless another reader needs more).
   */
  id(matcher: Matcher, lookbackDays: number | null = null): number {
    const k = key(matcher);
    let counted = this.byKey.get(k);
    if (!counted) {
      counted = { id: this.byKey.size, matcher, lookback: lookbackDays };
      this.byKey.set(k, counted);
    } else if (counted.lookback !== null) {
      counted.lookback = lookbackDays === null ? null : Math.max(counted.lookback, lookbackDays);
    }
    return counted.id;
  }

  get all(): CountedMatcher[] {
    return [...this.byKey.values()];
  }
}

/** Whether a matcher needs raw events: metadata lives only there; the rollup has the rest. */
export const needsRawEvents = (m: Matcher): boolean => Object.keys(m.metadata ?? {}).length > 0;

/** The SQL condition for a matcher over the rollup (no metadata) or raw events. */
export function matcherCondition(m: Matcher, dialect: SqlDialect): SqlFragment {
  const parts: SqlFragment[] = [sql`action = ${m.action}`, sql`object = ${m.object}`];
  if (m.place !== undefined) parts.push(sql`place = ${m.place}`);
  // Numbers and booleans compare as the text JSON extraction gives for them ('3', 'true').
  for (const [k, v] of Object.entries(m.metadata ?? {})) parts.push(dialect.jsonTextIs(ident('metadata'), k, String(v)));
  return join(parts, ' AND ');
}

/**
 * A matcher as words for a person: `closed conversation (state = resolved)`; with a count
 * other than 1, its object in the plural (`20 closed conversations` reads `closed conversations`).
 */
export function describeMatcher(m: Matcher, count?: number): string {
  const extra = [...(m.place ? [`in ${m.place}`] : []), ...Object.entries(m.metadata ?? {}).map(([k, v]) => `${k} = ${v}`)];
  const object = count === undefined || count === 1 ? m.object : plural(m.object);
  return `${m.action} ${object}${extra.length ? ` (${extra.join(', ')})` : ''}`;
}

/** An English plural of a name's last word: inbox → inboxes, policy → policies, report → reports. */
function plural(name: string): string {
  if (/(s|x|z|ch|sh)$/.test(name)) return `${name}es`;
  if (/[^aeiou]y$/.test(name)) return `${name.slice(0, -1)}ies`;
  return `${name}s`;
}
