import type { Store } from '../store/index.js';
import { join, sql } from '../store/index.js';

/** One behaviour: an (action, object) pair, or one place of it. */
export interface FeatureInfo {
  /** 'action object', or 'action object @place'. */
  key: string;
  action: string;
  object: string;
  place: string | null;
  /** How many accounts used it in their early window. */
  accounts: number;
  /** accounts / rows. */
  prevalence: number;
}

export interface MatrixAccount {
  account_id: string;
  /** 'YYYY-MM-DD'. */
  signup_day: string;
  seats: number | null;
}

export interface FeatureMatrixOptions {
  /** Also (action, object, place) features, for pairs seen at more than one place. Default true. */
  places?: boolean;
  /** Drop features used by fewer accounts than this. Default 1. */
  minAccounts?: number;
}

export interface FeatureMatrix {
  rows: number;
  features: FeatureInfo[];
  /** `<key>:used`, `<key>:count`, `<key>:active_days`, `<key>:per_seat` for each feature, in order. */
  columns: string[];
  /** Row-major, rows × columns.length; row i is accountIds[i]. */
  x: Float64Array;
  accountIds: string[];
}

/** The four columns each feature yields, in this order. */
export const FEATURE_MEASURES = ['used', 'count', 'active_days', 'per_seat'] as const;
export type FeatureMeasure = (typeof FEATURE_MEASURES)[number];

export const featureKey = (action: string, object: string, place: string | null): string =>
  place === null ? `${action} ${object}` : `${action} ${object} @${place}`;


interface Cell {
  row: number;
  count: number;
  days: number;
}

/**
 * The early-behaviour matrix: for each account (in the order given) and each feature, whether
 * it was used, its count, its active days and its count per seat, all measured only on days in
 * `[signup_day, signup_day + earlyDays)`: events before signup or after the window are not read.
 *
 * Features are every (action, object) pair in the rollup, plus, when `places` is on, one
 * feature per place for pairs seen at two or more distinct (non-empty) places in these
 * accounts' early windows. Account facts (plan, seats) are not features: keep them as strata.
 *
 * One query reads the rollup (summing its delta rows) grouped by account and feature, joined to
 * the accounts given as bound lists; the typed array is filled here.
 */
export async function buildFeatureMatrix(
  store: Store,
  accounts: readonly MatrixAccount[],
  earlyDays: number,
  opts: FeatureMatrixOptions = {},
): Promise<FeatureMatrix> {
  if (!Number.isInteger(earlyDays) || earlyDays < 1) throw new Error(`invalid earlyDays: ${earlyDays} (expected a whole number, at least 1)`);
  const places = opts.places ?? true;
  const minAccounts = Math.max(1, opts.minAccounts ?? 1);
  const rows = accounts.length;
  const accountIds = accounts.map((a) => a.account_id);
  const empty = (): FeatureMatrix => ({ rows, features: [], columns: [], x: new Float64Array(0), accountIds });
  if (rows === 0) return empty();
  const rowOf = new Map<string, number>();
  accounts.forEach((a, i) => {
    if (rowOf.has(a.account_id)) throw new Error(`account ${a.account_id} is given twice`);
    rowOf.set(a.account_id, i);
  });

  const d = store.dialect;
  // The accounts as a relation of bound lists (row number, id, signup day).
  const table = d.zipRows([
    { name: 'i', type: 'integer', values: accounts.map((_, i) => i) },
    { name: 'account_id', type: 'text', values: accountIds },
    { name: 'signup_day', type: 'date', values: accounts.map((a) => a.signup_day) },
  ]);
  // Pair level (place NULL) and, if asked, place level: one statement, one read of the rollup.
  const window = sql`r.day >= a.signup_day AND r.day < ${d.addDays(sql`a.signup_day`, earlyDays)}`;
  const branches = [
    sql`SELECT a.i AS i, r.action AS action, r.object AS object, ${d.cast(null, 'text')} AS place, sum(r.n) AS n, count(DISTINCT r.day) AS days
      FROM account_activity r JOIN ${table} a ON a.account_id = r.account_id WHERE ${window}
      GROUP BY a.i, r.action, r.object`,
  ];
  if (places) {
    branches.push(sql`SELECT a.i AS i, r.action AS action, r.object AS object, r.place AS place, sum(r.n) AS n, count(DISTINCT r.day) AS days
      FROM account_activity r JOIN ${table} a ON a.account_id = r.account_id WHERE ${window} AND r.place <> ''
      GROUP BY a.i, r.action, r.object, r.place`);
  }
  const packed = d.packText([sql`i`, sql`n`, sql`days`]);
  const result = await store.query<{ action: string; object: string; place: string | null; v: string }>(
    sql`SELECT action, object, place, ${packed} AS v FROM (${join(branches, ' UNION ALL ')}) u`,
  );

  // Cells per feature key.
  const cells = new Map<string, { action: string; object: string; place: string | null; cells: Cell[] }>();
  for (const r of result) {
    const key = featureKey(r.action, r.object, r.place);
    let f = cells.get(key);
    if (!f) cells.set(key, (f = { action: r.action, object: r.object, place: r.place, cells: [] }));
    const [i, n, days] = r.v.split(',');
    const count = Number(n);
    if (!(count > 0)) continue; // rows summing to nothing are not use
    f.cells.push({ row: Number(i), count, days: Number(days) });
  }
  // Places per pair: place-level features only where a pair has two or more.
  const placesOf = new Map<string, number>();
  for (const f of cells.values()) {
    if (f.place !== null && f.cells.length > 0) {
      const pair = featureKey(f.action, f.object, null);
      placesOf.set(pair, (placesOf.get(pair) ?? 0) + 1);
    }
  }
  const kept = [...cells.entries()]
    .filter(([, f]) => f.cells.length >= minAccounts && (f.place === null || (placesOf.get(featureKey(f.action, f.object, null)) ?? 0) > 1))
    .sort(([, a], [, b]) => cmp(a.action, b.action) || cmp(a.object, b.object) || cmpPlace(a.place, b.place));
  if (kept.length === 0) return empty();

  const features: FeatureInfo[] = [];
  const columns: string[] = [];
  const width = kept.length * FEATURE_MEASURES.length;
  const x = new Float64Array(rows * width);
  const seatsOf = accounts.map((a) => (a.seats !== null && Number.isFinite(a.seats) && a.seats > 0 ? a.seats : 1));
  kept.forEach(([key, f], k) => {
    features.push({ key, action: f.action, object: f.object, place: f.place, accounts: f.cells.length, prevalence: f.cells.length / rows });
    for (const m of FEATURE_MEASURES) columns.push(`${key}:${m}`);
    const base = k * FEATURE_MEASURES.length;
    for (const c of f.cells) {
      const o = c.row * width + base;
      x[o] = 1;
      x[o + 1] = c.count;
      x[o + 2] = c.days;
      x[o + 3] = c.count / seatsOf[c.row];
    }
  });
  return { rows, features, columns, x, accountIds };
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const cmpPlace = (a: string | null, b: string | null): number => (a === b ? 0 : a === null ? -1 : b === null ? 1 : cmp(a, b));

/** The column index of one measure of one feature. */
export function columnIndex(matrix: Pick<FeatureMatrix, 'columns'>, key: string, measure: FeatureMeasure): number {
  return matrix.columns.indexOf(`${key}:${measure}`);
}
