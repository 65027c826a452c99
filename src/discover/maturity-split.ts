import { benjaminiHochberg, chiSquareTest2x2, fisherExactTest2x2, riskRatio, type Interval } from '../stats/index.js';
import type { MaturityCategoryEvidence, MaturityEvidence, MaturityFeature } from './evidence.js';

export interface MaturityInput {
  /** Per account: retained or not. */
  retained: readonly boolean[];
  /** Per feature key: per account, 1 when used in the early window. */
  used: ReadonlyMap<string, Uint8Array>;
  /** Categories and the feature keys in each; keys missing from `used` are skipped. */
  categories: readonly { name: string; source: 'milestones' | 'place'; keys: readonly string[] }[];
  /** The window the proposal's maturity milestone looks back over. */
  windowDays: number;
}

/** What does not depend on retention: each category's accounts, and each feature's users (all in its category). */
export interface PreparedMaturity {
  n: number;
  categories: { keys: string[]; members: Int32Array; users: Int32Array[] }[];
}

/** Prepares the split once, for splitting again and again under shuffled retention. */
export function prepareMaturity(input: Pick<MaturityInput, 'used' | 'categories'> & { retained: { length: number } }): PreparedMaturity {
  const n = input.retained.length;
  const rowsWhere = (flags: Uint8Array) => {
    const rows: number[] = [];
    for (let i = 0; i < n; i++) if (flags[i]) rows.push(i);
    return Int32Array.from(rows);
  };
  return {
    n,
    categories: input.categories.map((c) => {
      const keys = c.keys.filter((k) => input.used.has(k));
      const inCategory = new Uint8Array(n);
      for (const k of keys) {
        const u = input.used.get(k)!;
        if (u.length !== n) throw new Error(`invalid used for ${k}: length ${u.length}, expected ${n}`);
        for (let i = 0; i < n; i++) inCategory[i] |= u[i];
      }
      return { keys, members: rowsWhere(inCategory), users: keys.map((k) => rowsWhere(input.used.get(k)!)) };
    }),
  };
}

export interface MaturityOptions {
  /** A feature is mature when its within-category q-value is below this. Default 0.05. */
  alpha?: number;
  /** A feature used by at least this share of the category's accounts, and not mature, is basic. Default 0.25. */
  basicShare?: number;
}

const pct = (x: number): string => `${Math.round(x * 100)}%`;
const fmt = (e: Interval): string =>
  Number.isFinite(e.estimate) ? `${e.estimate.toFixed(2)}× (95% CI ${e.low.toFixed(2)}–${e.high.toFixed(2)})` : 'not estimable';

/**
 * Splits each category's features into basic and mature use. "Mature" must mean predictive
 * beyond using the category at all, so each feature is judged only among the accounts that use
 * the category (any of its features): retention of the feature's users against the category's
 * other users (risk ratio, Fisher or chi-square, Benjamini–Hochberg across every feature of
 * every category).
 *
 * - mature: the within-category risk ratio's interval lies above 1 and q < alpha;
 * - basic: not mature, and used by at least `basicShare` of the category's accounts: common,
 *   with little incremental value;
 * - left out: neither (rare, and no evidence that it adds anything).
 *
 * `mature_in_at_least` is the number of categories k whose "mature use in ≥ k categories" best
 * separates retained from churned accounts by Youden's J (ties: the smaller k). Categories with
 * no mature feature cannot be reached and are left out of the count.
 */
export function splitMaturity(input: MaturityInput, opts: MaturityOptions = {}, prepared: PreparedMaturity = prepareMaturity(input)): MaturityEvidence {
  const { alpha = 0.05, basicShare = 0.25 } = opts;
  const { retained, used, windowDays } = input;
  const n = retained.length;
  if (prepared.n !== n) throw new Error(`invalid prepared: ${prepared.n} accounts, retained has ${n}`);
  const tests: { cat: number; f: MaturityFeature & { p: number | null; withinShare: number } }[] = [];
  const retainedAmong = (rows: Int32Array) => {
    let k = 0;
    for (const i of rows) if (retained[i]) k++;
    return k;
  };

  prepared.categories.forEach((c, ci) => {
    const categoryUsers = c.members.length;
    const categoryRetained = retainedAmong(c.members);
    c.keys.forEach((key, j) => {
      const users = c.users[j];
      const a = retainedAmong(users);
      const b = users.length - a;
      const cc = categoryRetained - a;
      const d = categoryUsers - users.length - cc;
      const rr = riskRatio(a, a + b, cc, cc + d);
      let p: number | null = null;
      if (a + b >= 5 && cc + d >= 5) {
        const chi = chiSquareTest2x2(a, b, cc, d);
        p = chi.minExpected >= 5 && !Number.isNaN(chi.pValue) ? chi.pValue : fisherExactTest2x2(a, b, cc, d).pValue;
      }
      tests.push({
        cat: ci,
        f: {
          key,
          prevalence: n === 0 ? NaN : users.length / n,
          risk_ratio_within_category: { estimate: rr.estimate, low: rr.low, high: rr.high },
          q_value: null,
          level: 'left_out',
          reason: '',
          p,
          withinShare: categoryUsers === 0 ? 0 : (a + b) / categoryUsers,
        },
      });
    });
  });

  const q = benjaminiHochberg(tests.map((t) => t.f.p ?? NaN));
  const categories: MaturityCategoryEvidence[] = input.categories.map((c) => ({ name: c.name, source: c.source, features: [], basic: [], mature: [] }));
  tests.forEach(({ cat, f }, j) => {
    const qv = Number.isNaN(q[j]) ? null : q[j];
    const rr = f.risk_ratio_within_category;
    const within = `used by ${pct(f.withinShare)} of the category's accounts`;
    let level: MaturityFeature['level'];
    let reason: string;
    if (qv !== null && qv < alpha && rr.low > 1) {
      level = 'mature';
      reason = `${within}; among them retention is ${fmt(rr)} with it, q = ${qv.toPrecision(2)}: predictive beyond basic use`;
    } else if (f.withinShare >= basicShare) {
      level = 'basic';
      reason = `${within}, with little incremental value (${fmt(rr)}${qv === null ? '' : `, q = ${qv.toPrecision(2)}`}): basic use`;
    } else {
      level = 'left_out';
      reason =
        f.p === null
          ? `${within}: too few users (or non-users) among them to judge`
          : `${within}, with no clear incremental value (${fmt(rr)}, q = ${qv!.toPrecision(2)})`;
    }
    const { p: _p, withinShare: _w, ...feature } = f;
    const out: MaturityFeature = { ...feature, q_value: qv, level, reason };
    const category = categories[cat];
    category.features.push(out);
    if (level === 'basic') category.basic.push(f.key);
    if (level === 'mature') category.mature.push(f.key);
  });

  // Mature use per account: how many categories it used a mature feature of.
  const matureCount = new Uint16Array(n);
  categories.forEach((c) => {
    if (c.mature.length === 0) return;
    const inMature = new Uint8Array(n);
    for (const k of c.mature) {
      const u = used.get(k)!;
      for (let i = 0; i < n; i++) inMature[i] |= u[i];
    }
    for (let i = 0; i < n; i++) matureCount[i] += inMature[i];
  });
  const reachable = categories.filter((c) => c.mature.length > 0).length;
  return { window_days: windowDays, mature_in_at_least: bestCount(matureCount, retained, reachable), categories };
}

/** The k in 1..max whose "count ≥ k" has the largest Youden's J against retention (smallest k on ties); 0 when max is 0. */
function bestCount(count: Uint16Array, retained: readonly boolean[], max: number): number {
  if (max === 0) return 0;
  let positives = 0;
  for (const r of retained) if (r) positives++;
  const negatives = retained.length - positives;
  let best = 1;
  let bestJ = -Infinity;
  for (let k = 1; k <= max; k++) {
    let tp = 0;
    let fp = 0;
    for (let i = 0; i < count.length; i++) {
      if (count[i] >= k) retained[i] ? tp++ : fp++;
    }
    const j = (positives ? tp / positives : 0) - (negatives ? fp / negatives : 0);
    if (j > bestJ + 1e-12) [best, bestJ] = [k, j];
  }
  return best;
}
