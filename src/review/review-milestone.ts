import type { Milestone } from '../config/index.js';
import { milestoneDefinition, milestoneLabel } from '../milestones/index.js';
import { logRankTest, normalTwoSidedP, populationStability, riskRatio, wilsonInterval, type Interval } from '../stats/index.js';
import { compareCuts, type CutComparison } from './best-cut.js';
import type { MilestoneInputs } from './landmark-inputs.js';
import type { ReviewAccount } from './review-accounts.js';

/** Retention of accounts that reached a milestone by the landmark against those that did not, in one group of accounts. */
export interface Lift {
  group: string;
  accounts: number;
  reached: number;
  /** Share that reached it (Wilson 95%). */
  prevalence: Interval;
  retention_reached: Interval;
  retention_not_reached: Interval;
  /** Retention ratio reached / not reached (Katz 95%; 0.5 per cell when one is empty). */
  lift: Interval;
  /** Log-rank test of time to churn from the landmark, reached vs not. */
  log_rank_p: number;
  /** Benjamini–Hochberg q over every test of the review; set by the review. */
  q: number;
}

export interface StepReview {
  id: string;
  label: string;
  reference: Lift;
  recent: Lift;
  /** Two-sided p that the lift changed (log ratio of the two ratios). */
  change_p: number;
  psi: number;
  /** Why the step should go, or null. */
  problem: string | null;
}

export interface DriftRow {
  cohort: string;
  status: 'judged' | 'observed';
  accounts: number;
  prevalence: number;
  /** PSI against the reference cohorts: of the milestone (reached or not) and of its inputs. */
  psi_milestone: number;
  psi_inputs: { name: string; psi: number }[];
}

export type RecommendationAction = 'keep' | 'adjust_threshold' | 'replace_step' | 'rediscover';

export interface Recommendation {
  action: RecommendationAction;
  /** One sentence. */
  summary: string;
  /** The figures it rests on. */
  evidence: string[];
  /** adjust_threshold: the config key and the new value. */
  key?: string;
  value?: number;
  /** replace_step: the steps to take out. */
  steps?: string[];
}

export interface MilestoneReview {
  milestone: string;
  label: string;
  /** What reaching it takes, as the framework's language says it. */
  definition: string;
  kind: Milestone['kind'];
  /** Per judged cohort, then pooled over the reference and over the recent cohorts. */
  cohorts: Lift[];
  reference: Lift;
  recent: Lift;
  /** p that the lift changed from the reference to the recent cohorts. */
  change_p: number;
  drift: DriftRow[];
  threshold: (CutComparison & { label: string; key: string }) | null;
  steps: StepReview[] | null;
  recommendation: Recommendation;
}

/** What a review needs to know about the accounts, shared by every milestone. */
export interface ReviewGroups {
  accounts: readonly ReviewAccount[];
  /** Indexes of judged accounts (alive at the landmark) per judged cohort, in order. */
  judged: { cohort: string; rows: number[] }[];
  reference: number[];
  recent: number[];
  /** Indexes of accounts alive at the landmark per cohort past its landmark (judged or observed). */
  observed: { cohort: string; status: 'judged' | 'observed'; rows: number[] }[];
  retained: Uint8Array;
}

/** Fewest accounts on a side for a lift or a cut to be judged. */
export const MIN_ACCOUNTS = 30;

export function lift(group: string, rows: readonly number[], reached: ArrayLike<number>, g: ReviewGroups): Lift {
  const inG = { times: [] as number[], events: [] as boolean[], kept: 0 };
  const outG = { times: [] as number[], events: [] as boolean[], kept: 0 };
  for (const i of rows) {
    const side = reached[i] ? inG : outG;
    side.times.push(g.accounts[i].follow_days);
    side.events.push(g.accounts[i].churned_by_horizon);
    side.kept += g.retained[i];
  }
  const rr = riskRatio(inG.kept, inG.times.length, outG.kept, outG.times.length);
  const lr = inG.times.length && outG.times.length ? logRankTest(inG, outG).pValue : NaN;
  return {
    group,
    accounts: rows.length,
    reached: inG.times.length,
    prevalence: wilsonInterval(inG.times.length, rows.length),
    retention_reached: wilsonInterval(inG.kept, inG.times.length),
    retention_not_reached: wilsonInterval(outG.kept, outG.times.length),
    lift: { estimate: rr.estimate, low: rr.low, high: rr.high },
    log_rank_p: lr,
    q: NaN,
  };
}

/** p that two lifts differ: a z-test on the difference of their log ratios (Katz standard errors from the intervals). */
export function liftChangeP(a: Lift, b: Lift): number {
  const se = (l: Lift) => (Math.log(l.lift.high) - Math.log(l.lift.low)) / (2 * 1.959963984540054);
  const s = Math.hypot(se(a), se(b));
  if (!(s > 0) || !Number.isFinite(s)) return NaN;
  return normalTwoSidedP((Math.log(a.lift.estimate) - Math.log(b.lift.estimate)) / s);
}

/** Counts per bin of values: bins are the values themselves when few and whole, else the reference's deciles. */
function psiOf(values: ArrayLike<number>, reference: readonly number[], rows: readonly number[]): number {
  const ref = reference.map((i) => values[i]);
  const distinct = [...new Set(ref)].sort((a, b) => a - b);
  let edges: number[];
  if (distinct.length <= 12) edges = distinct.slice(1);
  else {
    const sorted = [...ref].sort((a, b) => a - b);
    edges = [...new Set(Array.from({ length: 9 }, (_, k) => sorted[Math.floor(((k + 1) * sorted.length) / 10)]))];
  }
  const binOf = (v: number) => {
    let b = 0;
    while (b < edges.length && v >= edges[b]) b++;
    return b;
  };
  const count = (rs: readonly number[]) => {
    const c = new Array<number>(edges.length + 1).fill(0);
    for (const i of rs) c[binOf(values[i])]++;
    return c;
  };
  return edges.length === 0 ? 0 : populationStability(count(reference), count(rows));
}

/** Reviews one milestone: lift by cohort, drift, its cut re-estimated, its steps; then what to do. */
export function reviewMilestone(name: string, config: Milestone, inputs: MilestoneInputs, g: ReviewGroups, seed: number): MilestoneReview {
  const reached = Uint8Array.from(g.accounts, (a) => (a.reached[name] ? 1 : 0));
  const cohorts = g.judged.map((c) => lift(c.cohort, c.rows, reached, g));
  const reference = lift('reference', g.reference, reached, g);
  const recent = lift('recent', g.recent, reached, g);

  const inputSeries: { name: string; values: ArrayLike<number> }[] = [{ name: inputs.score.label, values: inputs.score.values }];
  for (const s of inputs.steps ?? []) inputSeries.push({ name: `step ${s.id}`, values: s.done });
  const drift: DriftRow[] = g.observed.map((c) => ({
    cohort: c.cohort,
    status: c.status,
    accounts: c.rows.length,
    prevalence: c.rows.length ? c.rows.reduce((s, i) => s + reached[i], 0) / c.rows.length : NaN,
    psi_milestone: psiOf(reached, g.reference, c.rows),
    psi_inputs: inputSeries.map((s) => ({ name: s.name, psi: psiOf(s.values, g.reference, c.rows) })),
  }));

  const enough = g.reference.length >= MIN_ACCOUNTS && g.recent.length >= MIN_ACCOUNTS;
  const threshold = enough
    ? { label: inputs.score.label, key: inputs.score.key, ...compareCuts(inputs.score.values, g.retained, g.reference, g.recent, inputs.score.cut, inputs.score.integer, { seed, max: inputs.score.max }) }
    : null;
  const recentRows = new Set(g.recent);
  const steps = inputs.steps?.map((s) => {
    const ref = lift('reference', g.reference, s.done, g);
    const rec = lift('recent', g.recent, s.done, g);
    return { id: s.id, label: s.label, reference: ref, recent: rec, change_p: liftChangeP(ref, rec), psi: psiOf(s.done, g.reference, [...recentRows]), problem: null as string | null };
  }) ?? null;
  return {
    milestone: name,
    label: milestoneLabel(name, config),
    definition: milestoneDefinition(config),
    kind: config.kind,
    cohorts,
    reference,
    recent,
    change_p: liftChangeP(reference, recent),
    drift,
    threshold,
    steps,
    // Set by the review once q-values are known.
    recommendation: { action: 'keep', summary: '', evidence: [] },
  };
}
