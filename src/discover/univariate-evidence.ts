import {
  benjaminiHochberg,
  chiSquareTest2x2,
  cochranMantelHaenszel,
  fisherExactTest2x2,
  riskDifference,
  riskRatio,
  wilsonInterval,
  type Interval,
  type Table2x2,
} from '../stats/index.js';

/** Accounts (rows) and one 0|1 usage vector per feature, with optional strata such as plan. */
export interface UnivariateInput {
  /** Per account: retained or not. */
  retained: boolean[];
  /** Per feature (same order as `keys`), per account: 1 when it used the feature, else 0. */
  used: Uint8Array[];
  keys: string[];
  /** Confounders to stratify by, e.g. `{ name: 'plan', values: planPerAccount }`. */
  strata?: { name: string; values: string[] }[];
}

export interface UnivariateOptions {
  /** Both users and non-users must number at least this many for a test. Default 5. */
  minUsers?: number;
}

/** The lift of one feature stratified by one confounder (Cochran–Mantel–Haenszel). */
export interface StratifiedLift {
  /** Mantel–Haenszel pooled risk ratio with the Greenland–Robins interval (NaN when undefined). */
  riskRatio: Interval;
  /** CMH test p-value; null when no stratum has both users and non-users with varied outcomes. */
  pValue: number | null;
  /** How many levels of the stratum held at least 2 accounts. */
  strataUsed: number;
}

export interface UnivariateEvidence {
  key: string;
  users: number;
  nonUsers: number;
  /** users / accounts. */
  prevalence: number;
  /** Retention among users (Wilson interval). */
  retentionUsers: Interval;
  /** Retention among non-users (Wilson interval). */
  retentionNonUsers: Interval;
  /** Retention of users / non-users (Katz log interval; 0.5 added per cell when one is 0). */
  riskRatio: Interval;
  /** Retention of users − non-users (Newcombe hybrid score interval). */
  riskDifference: Interval;
  /** Fisher exact when any expected cell is below 5, else Pearson chi-square; null with too little data. */
  pValue: number | null;
  test: 'fisher' | 'chi_square' | null;
  /** Benjamini–Hochberg q-value across the features that were tested; null when not tested. */
  qValue: number | null;
  /** Per stratum name: the lift pooled over that stratum's levels. Empty with too little data. */
  stratified: Record<string, StratifiedLift>;
  /** Why the feature was not tested, in words; null when it was. */
  tooLittleData: string | null;
}

const nullIfNaN = (p: number): number | null => (Number.isNaN(p) ? null : p);
const plural = (n: number): string => `${n} account${n === 1 ? '' : 's'}`;

/**
 * Univariate evidence for each feature: retention of its users against its non-users, with
 * Wilson intervals, risk ratio and difference, a test of independence, Benjamini–Hochberg
 * q-values and, for each stratum (e.g. plan), the Cochran–Mantel–Haenszel pooled risk ratio.
 *
 * - The test is Fisher's exact test when any expected cell of the 2×2 table is below 5 (or a
 *   margin is empty), else the Pearson chi-square test without continuity correction.
 * - A feature used by fewer than `minUsers` accounts, or left unused by fewer than that many,
 *   has too little data: its counts, retention and ratios are still reported (with wide
 *   intervals), but it gets no p-value, no q-value and no stratified lift (all null / empty),
 *   and it is left out of the Benjamini–Hochberg family, so it does not dilute the others.
 *   `tooLittleData` says why in words.
 * - Stratum levels are compared as strings; a level with fewer than 2 accounts is skipped by CMH.
 */
export function univariateEvidence(input: UnivariateInput, opts: UnivariateOptions = {}): UnivariateEvidence[] {
  const { retained, used, keys, strata = [] } = input;
  const { minUsers = 5 } = opts;
  const n = retained.length;
  if (!Number.isInteger(minUsers) || minUsers < 1) throw new Error(`invalid minUsers: ${minUsers}`);
  if (used.length !== keys.length) throw new Error(`invalid used: ${used.length} vectors for ${keys.length} keys`);
  used.forEach((u, j) => {
    if (u.length !== n) throw new Error(`invalid used[${j}] (${keys[j]}): length ${u.length}, expected ${n}`);
  });
  const levelsOf = strata.map((s) => {
    if (s.values.length !== n) throw new Error(`invalid strata ${s.name}: length ${s.values.length}, expected ${n}`);
    const levels = [...new Set(s.values)].sort();
    const index = new Map(levels.map((l, i) => [l, i]));
    return { name: s.name, levels, of: Int32Array.from(s.values, (v) => index.get(v)!) };
  });
  let retainedTotal = 0;
  for (const r of retained) if (r) retainedTotal++;

  const out: UnivariateEvidence[] = keys.map((key, j) => {
    const u = used[j];
    let users = 0;
    let a = 0; // users retained
    for (let i = 0; i < n; i++) {
      if (u[i]) {
        users++;
        if (retained[i]) a++;
      }
    }
    const nonUsers = n - users;
    const c = retainedTotal - a;
    const b = users - a;
    const d = nonUsers - c;
    const rr = riskRatio(a, users, c, nonUsers);

    let tooLittleData: string | null = null;
    if (users < minUsers) tooLittleData = `used by ${plural(users)}; at least ${minUsers} are needed to judge`;
    else if (nonUsers < minUsers) {
      const who = nonUsers === 0 ? 'used by every account' : `not used by only ${plural(nonUsers)}`;
      tooLittleData = `${who}; at least ${minUsers} non-users are needed to compare with`;
    }

    let pValue: number | null = null;
    let test: UnivariateEvidence['test'] = null;
    const stratified: Record<string, StratifiedLift> = {};
    if (tooLittleData === null) {
      const chi = chiSquareTest2x2(a, b, c, d);
      if (!(chi.minExpected >= 5) || Number.isNaN(chi.pValue)) {
        test = 'fisher';
        pValue = fisherExactTest2x2(a, b, c, d).pValue;
      } else {
        test = 'chi_square';
        pValue = chi.pValue;
      }
      for (const s of levelsOf) {
        const tables: Table2x2[] = s.levels.map(() => ({ a: 0, b: 0, c: 0, d: 0 }));
        for (let i = 0; i < n; i++) {
          const t = tables[s.of[i]];
          if (u[i]) retained[i] ? t.a++ : t.b++;
          else retained[i] ? t.c++ : t.d++;
        }
        const cmh = cochranMantelHaenszel(tables);
        stratified[s.name] = { riskRatio: cmh.riskRatio, pValue: nullIfNaN(cmh.pValue), strataUsed: cmh.strataUsed };
      }
    }

    return {
      key,
      users,
      nonUsers,
      prevalence: n === 0 ? NaN : users / n,
      retentionUsers: wilsonInterval(a, users),
      retentionNonUsers: wilsonInterval(c, nonUsers),
      riskRatio: { estimate: rr.estimate, low: rr.low, high: rr.high },
      riskDifference: riskDifference(a, users, c, nonUsers),
      pValue,
      test,
      qValue: null,
      stratified,
      tooLittleData,
    };
  });

  const q = benjaminiHochberg(out.map((e) => e.pValue ?? NaN));
  out.forEach((e, j) => (e.qValue = nullIfNaN(q[j])));
  return out;
}
