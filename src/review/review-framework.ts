import type { CairnConfig, MilestonesConfig } from '../config/index.js';
import { versionOf, type Day } from '../milestones/index.js';
import { aucWithInterval, benjaminiHochberg, calibration, type Calibration, type Interval } from '../stats/index.js';
import type { Store } from '../store/index.js';
import { landmarkInputs } from './landmark-inputs.js';
import { FALSE_DISCOVERY_RATE, proposedFramework, recommend } from './recommend.js';
import { reviewAccounts, type CohortState, type CohortUnit } from './review-accounts.js';
import { reviewMilestone, type MilestoneReview, type ReviewGroups } from './review-milestone.js';
import { nextReviewDue } from './review-schedule.js';

export interface ReviewOptions {
  framework: MilestonesConfig;
  /** milestones.yaml as it is, for the proposed diff. */
  fileText?: string;
  config: Pick<CairnConfig, 'retention' | 'review'>;
  asOf: Day;
  /** How many of the latest judged cohorts are "recent" (default: the later half). */
  recent?: number;
  /** Bootstrap seed (default 1): the same data and seed give the same review. */
  seed?: number;
  now?: Date;
}

/** How well the stage an account holds at the landmark sorts retained from churned accounts. */
export interface StageReview {
  /** AUC of the stage's rank for retention (DeLong 95%), per judged cohort and pooled. */
  discrimination: (Interval & { group: string; accounts: number })[];
  /**
   * Retention predicted for each stage (its rate on the reference cohorts) against what the
   * recent cohorts did: reliability rows, Brier score, Hosmer–Lemeshow.
   */
  calibration: Calibration;
}

export interface FrameworkReview {
  as_of: Day;
  generated_at: string;
  /** The framework judged: the version a refresh recorded it as, or null when none has used it yet. */
  framework: { version: number | null; hash: string | null; effective_day: Day | null };
  settings: {
    retention: CairnConfig['retention'];
    landmark_days: number;
    cohorts: CohortUnit;
    recent_cohorts: number;
    seed: number;
    false_discovery_rate: number;
  };
  cohorts: CohortState[];
  reference_cohorts: string[];
  recent_cohorts: string[];
  milestones: MilestoneReview[];
  stage: StageReview;
  /** The proposed milestones.yaml and its diff from today's, when a recommendation edits it. */
  proposal: { diff: string | null; yaml: string | null };
  schedule: { every: string; next_due: Day };
  tests: number;
  notes: string[];
}

/**
 * The periodic review of the framework: is each milestone still predictive of retention on
 * recent signup cohorts, has anything drifted, and what to change. Cohorts count only once
 * every account's retention horizon has passed; younger ones show their drift but are not
 * judged. Milestones are read at the landmark (the end of the early window), so reaching
 * them cannot borrow survival from after it. Earlier judged cohorts are the reference; the
 * latest ones are the recent cohorts. Every test's p-value joins one Benjamini–Hochberg
 * family. Associations, not causes: the data are observational.
 */
export async function reviewFramework(store: Store, opts: ReviewOptions): Promise<FrameworkReview> {
  const { framework, config, asOf } = opts;
  const unit = config.review.cohorts;
  const L = config.retention.early_days;
  const seed = opts.seed ?? 1;
  const data = await reviewAccounts(store, framework, config.retention, unit, asOf);
  const accounts = data.accounts;
  const inputs = await landmarkInputs(store, framework, accounts.map((a) => a.account_id), L, asOf);

  // Groups of account indexes: alive at the landmark, by cohort; judged ones split into reference and recent.
  const state = new Map(data.cohorts.map((c) => [c.cohort, c.status]));
  const rowsOf = new Map<string, number[]>();
  accounts.forEach((a, i) => {
    if (a.churned_early || state.get(a.cohort) === 'too_young') return;
    if (!rowsOf.has(a.cohort)) rowsOf.set(a.cohort, []);
    rowsOf.get(a.cohort)!.push(i);
  });
  const judgedCohorts = data.cohorts.filter((c) => c.status === 'judged' && rowsOf.has(c.cohort)).map((c) => c.cohort);
  const recentCount = Math.min(opts.recent ?? Math.floor(judgedCohorts.length / 2), Math.max(0, judgedCohorts.length - 1));
  const recentCohorts = judgedCohorts.slice(judgedCohorts.length - recentCount);
  const referenceCohorts = judgedCohorts.slice(0, judgedCohorts.length - recentCount);
  const g: ReviewGroups = {
    accounts,
    judged: judgedCohorts.map((cohort) => ({ cohort, rows: rowsOf.get(cohort)! })),
    reference: referenceCohorts.flatMap((c) => rowsOf.get(c)!),
    recent: recentCohorts.flatMap((c) => rowsOf.get(c)!),
    observed: data.cohorts.filter((c) => c.status !== 'too_young' && rowsOf.has(c.cohort)).map((c) => ({ cohort: c.cohort, status: c.status as 'judged' | 'observed', rows: rowsOf.get(c.cohort)! })),
    retained: Uint8Array.from(accounts, (a) => (a.retained ? 1 : 0)),
  };

  const milestones = Object.entries(framework.milestones).map(([name, m], i) => reviewMilestone(name, m, inputs[i], g, seed + i));

  // One family for every test: each lift's log-rank, each change of a lift.
  const ps: number[] = [];
  const slot = (p: number) => ps.push(p) - 1;
  const slots = milestones.map((m) => ({
    lifts: [...m.cohorts, m.reference, m.recent].map((l) => slot(l.log_rank_p)),
    change: slot(m.change_p),
    relation: slot(m.threshold?.relation_change_p ?? NaN),
    steps: (m.steps ?? []).map((s) => ({ lifts: [slot(s.reference.log_rank_p), slot(s.recent.log_rank_p)], change: slot(s.change_p) })),
  }));
  const q = benjaminiHochberg(ps.map((p) => (Number.isFinite(p) ? p : NaN)));
  milestones.forEach((m, i) => {
    const s = slots[i];
    [...m.cohorts, m.reference, m.recent].forEach((l, k) => (l.q = q[s.lifts[k]]));
    (m.steps ?? []).forEach((st, k) => {
      st.reference.q = q[s.steps[k].lifts[0]];
      st.recent.q = q[s.steps[k].lifts[1]];
    });
    m.recommendation = recommend(m, { change: q[s.change], relation: q[s.relation], steps: s.steps.map((x) => q[x.change]) });
  });

  const stage = reviewStages(g, data.stages.map((s) => s.name));
  const proposal = opts.fileText ? proposedFramework(opts.fileText, milestones) : { yaml: null, diff: null };
  const version = await versionOf(store, framework);
  return {
    as_of: asOf,
    generated_at: (opts.now ?? new Date()).toISOString(),
    framework: { version: version?.version ?? null, hash: version?.hash ?? null, effective_day: version?.effective_day ?? null },
    settings: { retention: config.retention, landmark_days: L, cohorts: unit, recent_cohorts: recentCount, seed, false_discovery_rate: FALSE_DISCOVERY_RATE },
    cohorts: data.cohorts,
    reference_cohorts: referenceCohorts,
    recent_cohorts: recentCohorts,
    milestones,
    stage,
    proposal: { diff: proposal.diff, yaml: proposal.diff ? proposal.yaml : null },
    schedule: { every: config.review.every, next_due: nextReviewDue(config.review.every, asOf) },
    tests: ps.filter(Number.isFinite).length,
    notes: [
      `Milestones are read at the landmark, ${L} days after signup; accounts that churned before it are left out. Retention: ${config.retention.kind === 'still_customer' ? 'still a customer' : 'still a customer and active'} ${config.retention.days} days after signup.`,
      'Intervals are 95%: Wilson for rates, Katz for lifts (retention ratios), DeLong for AUC, percentile bootstrap for cuts.',
      `q-values are Benjamini–Hochberg over all ${ps.filter(Number.isFinite).length} tests of this review; a finding needs q < ${FALSE_DISCOVERY_RATE}.`,
      'PSI compares each cohort with the reference cohorts: below 0.1 stable, 0.1–0.25 a moderate shift, above 0.25 a large one.',
      'Associations, not causes: accounts chose their own paths.',
    ],
  };
}

function reviewStages(g: ReviewGroups, names: readonly string[]): StageReview {
  const stages = names.length;
  const auc = (group: string, rows: readonly number[]) => ({
    group,
    accounts: rows.length,
    ...aucWithInterval(
      rows.map((i) => g.accounts[i].stage),
      rows.map((i) => (g.retained[i] ? 1 : 0)),
    ),
  });
  const discrimination = [...g.judged.map((c) => auc(c.cohort, c.rows)), auc('reference', g.reference), auc('recent', g.recent)].map(({ positives: _p, negatives: _n, ...rest }) => rest);
  const tally = (rows: readonly number[]) => {
    const n = new Array<number>(stages).fill(0);
    const kept = new Array<number>(stages).fill(0);
    for (const i of rows) {
      n[g.accounts[i].stage]++;
      kept[g.accounts[i].stage] += g.retained[i];
    }
    return { n, kept };
  };
  const ref = tally(g.reference);
  const rec = tally(g.recent);
  const groups = ref.n.flatMap((n, s) => (n > 0 && rec.n[s] > 0 ? [{ label: names[s], predicted: ref.kept[s] / n, n: rec.n[s], events: rec.kept[s] }] : []));
  return { discrimination, calibration: calibration(groups) };
}
