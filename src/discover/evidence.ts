/**
 * The shape of evidence.json: everything `cairn discover` measured and why it proposed what it
 * did. The HTML report and `--json` summary are read from this one object, so all three agree.
 * Field names are snake_case (a file contract); intervals are 95% unless a field says otherwise.
 * A number that cannot be estimated is NaN here and null in evidence.json (JSON has no NaN).
 */
import type { Interval } from '../stats/index.js';
import type { AdoptionFlag } from './adoption-benchmark.js';
import type { RetentionSettings } from './retention-label.js';
import type { ThresholdChoice, ThresholdGridPoint } from './threshold-search.js';

export const EVIDENCE_VERSION = 1;

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
    fits: number;
  };
  data: DataSummary;
  /** Data problems and cautions in words (too little data, no seats, no plans, …). */
  warnings: string[];
  /** The forest; null when there was too little data to fit one. */
  model: ModelSummary | null;
  /** One per feature of the matrix, most important first (by rank, then key). */
  features: FeatureEvidence[];
  setup: SetupEvidence | null;
  activation: ThresholdEvidence | null;
  utilization: ThresholdEvidence | null;
  maturity: MaturityEvidence | null;
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
}

export interface ModelSummary {
  oob_auc: number;
  held_out_auc: number;
  held_out_aucs: number[];
  fits: number;
  trees: number;
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
  /** 1 = most important; null without a model. */
  rank: number | null;
  rank_low: number | null;
  rank_high: number | null;
  retention_users: Interval;
  retention_non_users: Interval;
  risk_ratio: Interval;
  risk_difference: Interval;
  p_value: number | null;
  test: 'fisher' | 'chi_square' | null;
  /** Benjamini–Hochberg q-value across tested features. */
  q_value: number | null;
  /** Cochran–Mantel–Haenszel risk ratio by stratum name ('plan', 'signup_month'). */
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

export interface ThresholdEvidence {
  /** The event counted. */
  action: string;
  object: string;
  metadata?: Record<string, string>;
  /** Why this action: configured, or the most predictive count feature. */
  chosen_because: string;
  /** 'at_least events within days' (activation) or 'per seat per month' (utilization). */
  measure: 'count_within_days' | 'per_seat_per_month';
  /** Rows the threshold was searched on: judged accounts (activation) or account-months (utilization). */
  accounts: number;
  choice: ThresholdChoice;
  threshold_interval: { low: number; high: number };
  grid: ThresholdGridPoint[];
  /** For activation: how the chosen milestone relates to later utilization (rates with CIs). */
  later_utilization?: { reached: Interval; not_reached: Interval; risk_ratio: Interval } | null;
  warnings: string[];
}

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
  /** Groups are fixed at this day after signup (end of the early window); time counts from it. */
  landmark_days: number;
  /** 'churn' (still_customer) or 'churn or dormancy' (not_dormant). */
  event: string;
  milestones: MilestoneValidation[];
  /** setup → activation → utilization → maturity → retained. */
  chain: ChainLink[];
}
