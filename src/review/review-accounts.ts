import type { CairnConfig, MilestonesConfig } from '../config/index.js';
import { labelAccounts } from '../discover/index.js';
import { addDays, daysBetween, statusesAsOf, type Day, type Stage } from '../milestones/index.js';
import type { Store } from '../store/index.js';

export type CohortUnit = 'month' | 'quarter';

/** Where a signup cohort stands as of the review. */
export interface CohortState {
  cohort: string;
  /** First and last signup day of the cohort. */
  from: Day;
  to: Day;
  accounts: number;
  /**
   * judged: every account's retention horizon has passed (it counts in the review);
   * observed: the landmark has passed for all, not the horizon (its drift is shown, not judged);
   * too_young: not even the landmark.
   */
  status: 'judged' | 'observed' | 'too_young';
  /** The first day the whole cohort can be judged. */
  judged_from: Day;
}

/** One account as the review sees it, at the landmark. */
export interface ReviewAccount {
  account_id: string;
  signup_day: Day;
  cohort: string;
  /** Churned before the landmark: its early behaviour is cut short, so it is left out. */
  churned_early: boolean;
  /** Set for accounts of judged cohorts. */
  retained: boolean | null;
  /** Days from the landmark to churn, or to the horizon (censored); judged accounts only. */
  follow_days: number;
  churned_by_horizon: boolean;
  /** Milestones reached by the landmark. */
  reached: Record<string, boolean>;
  /** Index of the stage held at the landmark (in `stages`). */
  stage: number;
}

export interface ReviewAccounts {
  accounts: ReviewAccount[];
  cohorts: CohortState[];
  stages: Stage[];
  framework_version: number | null;
}

export function cohortOf(day: Day, unit: CohortUnit): string {
  return unit === 'month' ? day.slice(0, 7) : `${day.slice(0, 4)}-Q${Math.floor((Number(day.slice(5, 7)) - 1) / 3) + 1}`;
}

/** The first and last day of a cohort. */
export function cohortSpan(cohort: string, unit: CohortUnit): { from: Day; to: Day } {
  const year = cohort.slice(0, 4);
  const firstMonth = unit === 'month' ? Number(cohort.slice(5, 7)) : (Number(cohort.slice(6)) - 1) * 3 + 1;
  const months = unit === 'month' ? 1 : 3;
  const from = `${year}-${String(firstMonth).padStart(2, '0')}-01`;
  const next = new Date(Date.UTC(Number(year), firstMonth - 1 + months, 1)).toISOString().slice(0, 10);
  return { from, to: addDays(next, -1) };
}

/**
 * Every account signed up by `asOf`, placed at its landmark (`landmarkDays` after signup) on
 * the framework, with its retention label where its cohort is old enough to judge. The
 * milestones come from the statuses as of `asOf`: a reached day never moves, so "reached by
 * the landmark" is the same as computing as of the landmark. Labels are discovery's
 * (cairn.yaml `retention`): a cohort counts only once its last account's horizon has passed.
 */
export async function reviewAccounts(
  store: Store,
  framework: MilestonesConfig,
  retention: CairnConfig['retention'],
  unit: CohortUnit,
  asOf: Day,
): Promise<ReviewAccounts> {
  const L = retention.early_days;
  const report = await statusesAsOf(store, framework, asOf);
  const labels = await labelAccounts(store, { kind: retention.kind, days: retention.days, dormantDays: retention.dormant_days, earlyDays: L }, asOf);
  const labelOf = new Map(labels.labelled.map((a) => [a.account_id, a]));
  const stages = report.stages;

  const byCohort = new Map<string, number>();
  const accounts: ReviewAccount[] = report.accounts.map((a) => {
    const cohort = cohortOf(a.signup_day, unit);
    byCohort.set(cohort, (byCohort.get(cohort) ?? 0) + 1);
    const landmark = addDays(a.signup_day, L - 1);
    const reached = Object.fromEntries(Object.entries(a.milestones).map(([name, m]) => [name, m.reached_at !== null && m.reached_at <= landmark]));
    let stage = 0;
    for (let k = 1; k < stages.length && reached[stages[k].milestone ?? ''] === true; k++) stage = k;
    const label = labelOf.get(a.account_id);
    const churn = label?.churn_day ?? a.churned_day;
    const follow = label && label.churn_day !== null ? daysBetween(addDays(a.signup_day, L), label.churn_day) : retention.days - L;
    return {
      account_id: a.account_id,
      signup_day: a.signup_day,
      cohort,
      churned_early: churn !== null && churn < addDays(a.signup_day, L),
      retained: label ? label.retained : null,
      follow_days: Math.max(0, Math.min(follow, retention.days - L)),
      churned_by_horizon: label ? !label.retained && label.churn_day !== null && label.churn_day <= addDays(a.signup_day, retention.days) : false,
      reached,
      stage,
    };
  });

  const cohorts: CohortState[] = [...byCohort.entries()]
    .sort(([x], [y]) => x.localeCompare(y))
    .map(([cohort, n]) => {
      const { from, to } = cohortSpan(cohort, unit);
      const judgedFrom = addDays(to, retention.days);
      const status = judgedFrom <= asOf ? 'judged' : addDays(to, L) <= asOf ? 'observed' : 'too_young';
      return { cohort, from, to, accounts: n, status, judged_from: judgedFrom };
    });
  // Only accounts of judged cohorts keep their label: a cohort is judged whole or not at all.
  const judged = new Set(cohorts.filter((c) => c.status === 'judged').map((c) => c.cohort));
  for (const a of accounts) if (!judged.has(a.cohort)) a.retained = null;
  return { accounts, cohorts, stages, framework_version: report.framework_version };
}
