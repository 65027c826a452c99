import type { UnivariateEvidence } from './univariate-evidence.js';

export type AdoptionFlag = 'ubiquitous' | 'premium_niche';

export interface AdoptionBenchmarkInput {
  /**
   * Per account: its plan (the same accounts, in the same order, as the evidence was built on);
   * null when the data has no plans, which leaves only the ubiquitous check.
   */
  planOf: string[] | null;
  /** Per feature (same order as `keys`), per account: 1 when it used the feature, else 0. */
  used: Uint8Array[];
  keys: string[];
}

export interface AdoptionBenchmarkOptions {
  /** A feature used by more than this share of accounts is ubiquitous. Default 0.95. */
  ubiquitousAbove?: number;
  /** A feature with at least this share of its users on one plan is concentrated there. Default 0.8. */
  nicheShareAbove?: number;
  /** The plan holding them must have fewer than this share of all accounts. Default 0.5. */
  minorityBelow?: number;
  /** "Much closer to 1": the stratified |log RR| is at most this share of the crude |log RR|. Default 0.5. */
  closerShare?: number;
  /** The "much closer" test applies only when the crude RR is at least this far from 1 (either way). Default 1.1. */
  minCrudeLift?: number;
  /** The name of the plan stratification in the evidence's `stratified`. Default 'plan'. */
  planStratum?: string;
}

export interface AdoptionBenchmark {
  key: string;
  flags: AdoptionFlag[];
  /** One sentence per flag, in the same order. */
  reasons: string[];
}

const pct = (x: number): string => `${Math.round(x * 100)}%`;
const ratio = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : String(x));
const interval = (e: { estimate: number; low: number; high: number }): string =>
  `${ratio(e.estimate)} (95% CI ${ratio(e.low)}–${ratio(e.high)})`;
const excludesOne = (e: { low: number; high: number }): boolean => e.low > 1 || e.high < 1;

/**
 * The adoption benchmark: flags features whose lift should not be read as a retention driver.
 *
 * - `ubiquitous`: prevalence above `ubiquitousAbove`; almost everyone uses it, so it cannot
 *   tell customers apart.
 * - `premium_niche`: at least `nicheShareAbove` of its users are on one plan that holds fewer
 *   than `minorityBelow` of all accounts, and its crude lift vanishes under stratification by
 *   plan (the evidence's `stratified[planStratum]`, Cochran–Mantel–Haenszel): either the crude
 *   risk-ratio interval excludes 1 while the stratified one contains 1 (or the stratified
 *   ratio cannot be estimated because within each plan nobody is left to compare users
 *   with), or the crude RR is at least `minCrudeLift` away from 1 and the stratified RR is
 *   much closer to 1 (|log RR| at most `closerShare` of the crude one). The second branch
 *   does not need a significant crude lift: a lift that is mostly plan is worth a warning
 *   even when it is noisy.
 *
 * Features with too little data (no stratified lift) are never flagged premium_niche; a
 * tested feature whose evidence lacks the plan stratification is an error, since the check
 * would silently pass.
 */
export function adoptionBenchmark(
  evidence: readonly UnivariateEvidence[],
  input: AdoptionBenchmarkInput,
  opts: AdoptionBenchmarkOptions = {},
): AdoptionBenchmark[] {
  const { ubiquitousAbove = 0.95, nicheShareAbove = 0.8, minorityBelow = 0.5, closerShare = 0.5, minCrudeLift = 1.1, planStratum = 'plan' } = opts;
  const { planOf, used, keys } = input;
  const n = planOf?.length ?? 0;
  if (used.length !== keys.length) throw new Error(`invalid used: ${used.length} vectors for ${keys.length} keys`);
  const column = new Map(keys.map((k, j) => [k, j]));
  const planSize = new Map<string, number>();
  for (const p of planOf ?? []) planSize.set(p, (planSize.get(p) ?? 0) + 1);

  return evidence.map((e) => {
    const flags: AdoptionFlag[] = [];
    const reasons: string[] = [];

    if (e.prevalence > ubiquitousAbove) {
      flags.push('ubiquitous');
      reasons.push(`used by ${pct(e.prevalence)} of accounts: it cannot tell customers apart`);
    }

    if (planOf === null) return { key: e.key, flags, reasons };
    const j = column.get(e.key);
    if (j === undefined) throw new Error(`invalid input: no usage vector for feature ${e.key}`);
    const u = used[j];
    if (u.length !== n) throw new Error(`invalid used[${j}] (${e.key}): length ${u.length}, expected ${n}`);
    if (e.tooLittleData === null) {
      const strat = e.stratified[planStratum];
      if (!strat) {
        throw new Error(`invalid evidence for ${e.key}: no stratification named '${planStratum}'; pass it in univariateEvidence's strata`);
      }
      const byPlan = new Map<string, number>();
      let users = 0;
      for (let i = 0; i < n; i++) {
        if (u[i]) {
          users++;
          byPlan.set(planOf[i], (byPlan.get(planOf[i]) ?? 0) + 1);
        }
      }
      let top: string | null = null;
      let topUsers = 0;
      for (const [p, k] of [...byPlan].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))) {
        if (k > topUsers) [top, topUsers] = [p, k];
      }
      const share = users === 0 ? 0 : topUsers / users;
      const planShare = top === null ? 1 : (planSize.get(top) ?? 0) / n;
      const crude = e.riskRatio;
      const s = strat.riskRatio;
      if (top !== null && share >= nicheShareAbove && planShare < minorityBelow) {
        const crudeLog = Math.abs(Math.log(crude.estimate));
        const estimable = s.estimate > 0 && Number.isFinite(s.estimate) && !Number.isNaN(s.low);
        const contains = estimable && !excludesOne(s);
        const closer = estimable && crudeLog >= Math.log(minCrudeLift) && Math.abs(Math.log(s.estimate)) <= closerShare * crudeLog;
        if ((excludesOne(crude) && (!estimable || contains)) || closer) {
          const where = `${pct(share)} of its users are on the ${top} plan (${pct(planShare)} of accounts)`;
          const why = !estimable
            ? `within each plan there are too few users and non-users to compare, so its lift cannot be told apart from the ${top} plan's`
            : contains
              ? `stratified by plan the risk ratio is ${interval(s)}, whose interval contains 1`
              : `stratified by plan the risk ratio shrinks to ${interval(s)}`;
          flags.push('premium_niche');
          const noisy = excludesOne(crude) ? '' : ', not significant on its own,';
          reasons.push(`${where}; its crude risk ratio ${interval(crude)}${noisy} is largely the plan's effect: ${why}`);
        }
      }
    }
    return { key: e.key, flags, reasons };
  });
}
