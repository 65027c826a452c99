/**
 * The shape of evidence.json: everything `cairn discover` measured and why it proposed what it
 * did. The HTML report and `--json` summary are read from this one object, so all three agree.
 * Field names are snake_case (a file contract); intervals are 95% unless a field says otherwise.
 * A number that cannot be estimated is NaN here and null in evidence.json (JSON has no NaN).
 *
 * Version 2: choices are made on the earlier signup cohorts (`split.selection`) and judged on
 * the later ones (`split.held_out`); figures computed where the choice was made are in-sample
 * and say so; a milestone is proposed only when its held-out J beats a label-permutation null.
 */
import type { Interval } from '../stats/index.js';
import type { AdoptionFlag } from './adoption-benchmark.js';
import type { RetentionSettings } from './retention-label.js';
import type { ThresholdChoice, ThresholdGridPoint } from './threshold-search.js';

export const EVIDENCE_VERSION = 2;

export interface DiscoveryEvidence {
  version: typeof EVIDENCE_VERSION;
  /** ISO timestamp of the run. */
  generated_at: string;
  /** 'YYYY-MM-DD': nothing after this day was read. */
  as_of: string;
  settings: {
    retention: RetentionSettings;
    seed: number;
    trees: number;
    /** Forest refits on bootstrap samples, for importance and rank intervals. */
    refits: number;
    /** Bootstrap resamples of accounts for threshold intervals. */
    bootstrap: number;
    /** Label permutations in each null check. */
    permutations: number;
  };
  data: DataSummary;
  /** Observational data: what every figure here is, in words. */
  caveat: string;
  /** Where choices were made and where they were judged; null when there were too few accounts to hold any out. */
  split: SplitEvidence | null;
  /** What is proposed, and why or why not, in one statement. */
  verdict: Verdict;
  /** Data problems and cautions in words (too little data, no seats, no plans, …). */
  warnings: string[];
  /** The forest; null when there was too little data to fit one. */
  model: ModelSummary | null;
  /** One per feature of the matrix, most important first (by rank, then key). */
  features: FeatureEvidence[];
  setup: SetupMilestoneEvidence | null;
  activation: ThresholdEvidence | null;
  utilization: ThresholdEvidence | null;
  maturity: (MaturityEvidence & MilestoneTest) | null;
  /** Landmark validation of the proposal on the held-out cohorts. */
  validation: ValidationEvidence | null;
}

export interface DataSummary {
  /** Accounts signed up by as_of. */
  accounts: number;
  labelled: number;
  retained: number;
  churned: number;
  left_out: { too_young: number; churned_in_early_window: number };
  /** Features in the matrix (pairs and places). */
  features: number;
  /** 'data' when any account has seats above 1, else 'none': every account counted as one seat. */
  seats: 'data' | 'none';
  /** Plans among labelled accounts, sorted; empty when there are none (no plan strata). */
  plans: string[];
  /** Signup months among labelled accounts, sorted. */
  cohorts: string[];
  /** Where plan and seats at the end of the early window come from: account history, or (without it) the accounts' current values. */
  plan_source: 'history' | 'current';
}

/** One side of the split. */
export interface SplitSide {
  /** First and last signup month. */
  cohorts: [string, string];
  accounts: number;
  retained: number;
  churned: number;
}

export interface SplitEvidence {
  /** 'month' or 'day': held out from `cut` on; 'random': a seeded hash of the account id (signups too close together to split by time). */
  how: 'month' | 'day' | 'random';
  cut: string | null;
  /** The earlier cohorts: every choice is made here. */
  selection: SplitSide;
  /** The later cohorts: every choice is judged here. */
  held_out: SplitSide;
}

/**
 * A label-permutation test: the statistic observed on the held-out accounts against its
 * distribution when retention (or the milestone's outcome) is shuffled among accounts of the
 * same plan and the whole choice is made again.
 */
export interface NullTest {
  /** E.g. "held-out Youden's J". */
  statistic: string;
  observed: number;
  permutations: number;
  null_mean: number;
  /** The null's 95th percentile: the observed value must exceed it (one-sided, 5%). */
  null_95: number;
  /** (1 + permutations at or above the observed) / (1 + permutations). */
  p_value: number;
  /** Holm-adjusted across the milestones tested (milestones only; null for the forest). */
  p_holm: number | null;
  passed: boolean;
  /** What was shuffled and what was redone in each permutation. */
  how: string;
}

/** A yes/no milestone judged on units it was not chosen on. */
export interface HeldOutRates {
  /** 'account' or 'account-month'. */
  unit: string;
  units: number;
  /** Units with the good outcome (retained, activated, no churn next month). */
  positives: number;
  youden_j: number;
  sensitivity: Interval;
  specificity: Interval;
  ppv: Interval;
  npv: Interval;
  reach: Interval;
}

export interface Verdict {
  /** Milestones proposed, in journey order. */
  proposed: string[];
  /** True when the forest's held-out AUC does not beat its null: nothing is proposed. */
  nothing_better_than_chance: boolean;
  statement: string;
}

export interface ModelSummary {
  /** Out-of-bag AUC of the fit on the selection set (in-sample). */
  oob_auc: number;
  /** AUC of that fit on the held-out accounts. */
  held_out_auc: number;
  /** The held-out AUC against its permutation null (labels shuffled within plan, the fit kept). */
  null_test: NullTest;
  refits: number;
  trees: number;
  /** Account facts in every fit as covariates, and their importance as one group. */
  covariates: { names: string[]; importance: number; importance_sd: number } | null;
}

export interface FeatureEvidence {
  /** 'action object' or 'action object @place'. */
  key: string;
  action: string;
  object: string;
  place: string | null;
  users: number;
  prevalence: number;
  /** Mean held-out drop in AUC when the feature (its four columns together) is shuffled; null without a model. */
  importance: number | null;
  importance_sd: number | null;
  impurity: number | null;
  /** Median rank over the bootstrap refits (1 = most important behaviour); null without a model or for a place variant. */
  rank: number | null;
  /** 2.5% and 97.5% quantiles of the rank over the bootstrap refits. */
  rank_low: number | null;
  rank_high: number | null;
  /** For a place variant: the pair it is shuffled and ranked with. */
  ranked_with: string | null;
  retention_users: Interval;
  retention_non_users: Interval;
  risk_ratio: Interval;
  risk_difference: Interval;
  p_value: number | null;
  test: 'fisher' | 'chi_square' | null;
  /** Benjamini–Hochberg q-value across tested features. */
  q_value: number | null;
  /** Cochran–Mantel–Haenszel risk ratio by stratum name: 'plan', 'signup_month', 'engagement' (plan × quintile of distinct behaviours used early). */
  stratified: Record<string, { risk_ratio: Interval; p_value: number | null; strata_used: number }>;
  flags: AdoptionFlag[];
  /** One sentence per flag. */
  flag_reasons: string[];
  too_little_data: string | null;
}

export interface SetupStepEvidence {
  key: string;
  action: string;
  object: string;
  /** Share of labelled accounts that did it in the setup window. */
  prevalence: number;
  /** Correlation of doing the step with reaching activation, with a Fisher-z interval. */
  phi: Interval;
  /** Activation rate of those who did it / those who did not (Katz interval). */
  lift: Interval;
  p_value: number | null;
  q_value: number | null;
  /** Median day (from signup) of first doing it, among those who did. */
  median_first_day: number | null;
  chosen: boolean;
  /** Why it was chosen or left out, in words. */
  reason: string;
}

export interface SetupEvidence {
  /** Days from signup in which setup steps are looked for. */
  window_days: number;
  /** What the steps are ranked against. */
  outcome: string;
  candidates: SetupStepEvidence[];
  /** Chosen step keys, in the order accounts usually do them. */
  steps: string[];
  /** The checklist's at_least. */
  at_least: number;
  prevalence_bounds: { low: number; high: number };
}

/** A milestone's test on the held-out cohorts, and whether it is proposed. */
export interface MilestoneTest {
  /** Its rates on the held-out units; null when it could not be judged there. */
  held_out: HeldOutRates | null;
  null_test: NullTest | null;
  proposed: boolean;
}

export type SetupMilestoneEvidence = SetupEvidence &
  MilestoneTest & {
    /** Accounts observed through the activation window: where steps were chosen (earlier cohorts) and judged (later ones). */
    accounts: { selection: number; held_out: number };
  };

export type ThresholdEvidence = {
  /** The event counted. */
  action: string;
  object: string;
  metadata?: Record<string, string>;
  /** Why this action: configured, or the most predictive count feature. */
  chosen_because: string;
  /** 'at_least events within days' (activation) or 'per seat per month' (utilization). */
  measure: 'count_within_days' | 'per_seat_per_month';
  /** Units the threshold was chosen on (the earlier cohorts): judged accounts (activation) or account-months (utilization). */
  accounts: number;
  /** The choice and its rates where it was made: in-sample. */
  choice: ThresholdChoice;
  /** Odds ratio of the good outcome at the threshold beyond the trend with the count (in-sample; Wald interval given the threshold). */
  jump: Interval;
  /** Bootstrap 95% interval of the threshold: accounts resampled, window re-chosen in each; over the resamples that chose this window. */
  threshold_interval: { low: number; high: number };
  /** Share of the resamples that chose this window. */
  window_share: number;
  grid: ThresholdGridPoint[];
  /** For activation: how the chosen milestone relates to later utilization (rates with CIs), on held-out accounts still customers through that period. */
  later_utilization?: { accounts: number; censored: number; reached: Interval; not_reached: Interval; risk_ratio: Interval } | null;
  warnings: string[];
} & MilestoneTest;

export interface MaturityFeature {
  key: string;
  prevalence: number;
  /** Among the category's users: retention of this feature's users / the others'. */
  risk_ratio_within_category: Interval;
  q_value: number | null;
  level: 'basic' | 'mature' | 'left_out';
  reason: string;
}

export interface MaturityCategoryEvidence {
  name: string;
  /** Where the grouping came from: the workspace's milestones.yaml, or the features' place. */
  source: 'milestones' | 'place';
  features: MaturityFeature[];
  basic: string[];
  mature: string[];
}

export interface MaturityEvidence {
  window_days: number;
  /** 0 when no category has a mature feature: no maturity milestone is proposed. */
  mature_in_at_least: number;
  categories: MaturityCategoryEvidence[];
}

/** A Kaplan–Meier curve, thinned for plotting: day since the landmark, survival and its interval. */
export interface CurvePoint {
  day: number;
  survival: number;
  low: number;
  high: number;
  at_risk: number;
}

export interface MilestoneValidation {
  milestone: string;
  reached: number;
  not_reached: number;
  curve_reached: CurvePoint[];
  curve_not_reached: CurvePoint[];
  log_rank: { chi_square: number; p_value: number };
  /** Retention label rates among reached / not reached (Wilson), and their ratio. */
  retention_reached: Interval;
  retention_not_reached: Interval;
  risk_ratio: Interval;
}

export interface ChainLink {
  from: string;
  to: string;
  /** Rate of reaching `to` among accounts that reached `from`, and among those that did not. */
  rate_given_from: Interval;
  rate_given_not_from: Interval;
  risk_ratio: Interval;
}

export interface ValidationEvidence {
  /** The accounts validated on: the held-out cohorts, with the cohorts named. */
  accounts?: { cohorts: [string, string]; count: number };
  /** Groups are fixed at this day after signup (end of the early window); time counts from it. */
  landmark_days: number;
  /** 'churn' (still_customer) or 'churn or dormancy' (not_dormant). */
  event: string;
  milestones: MilestoneValidation[];
  /** setup → activation → utilization → maturity → retained. */
  chain: ChainLink[];
}
