/**
 * A realistic evidence.json for the demo help desk, for tests of anything that reads
 * `DiscoveryEvidence` (the HTML report, the `--json` summary). Numbers are made to agree with
 * each other: rates and risk ratios come from counts, the activation and utilization choices
 * are the best points of their grids. Use `evidenceFixture()` for a copy you may change.
 */
import type { ThresholdGridPoint } from '../../src/discover/threshold-search.js';
import type {
  CurvePoint,
  DiscoveryEvidence,
  FeatureEvidence,
  MilestoneTest,
  MilestoneValidation,
  SetupStepEvidence,
  ThresholdEvidence,
} from '../../src/discover/evidence.js';
import { wilsonInterval, type Interval } from '../../src/stats/index.js';

const LABELLED = 3100;
const RETAINED = 2046;
const Z = 1.959964;

const iv = (estimate: number, low: number, high: number): Interval => ({ estimate, low, high });

/** Katz log interval of a ratio of two proportions. */
function katz(a: number, n1: number, b: number, n2: number): Interval {
  const rr = a / n1 / (b / n2);
  const se = Math.sqrt(1 / a - 1 / n1 + 1 / b - 1 / n2);
  return iv(rr, rr * Math.exp(-Z * se), rr * Math.exp(Z * se));
}

function differenceOf(p1: number, n1: number, p2: number, n2: number): Interval {
  const d = p1 - p2;
  const se = Math.sqrt((p1 * (1 - p1)) / n1 + (p2 * (1 - p2)) / n2);
  return iv(d, d - Z * se, d + Z * se);
}

interface FeatureSpec {
  key: string;
  users: number;
  /** Retention rate among users. */
  rate: number;
  /** importance, sd, rank, rank low, rank high. */
  model: [number, number, number, number, number];
  p: number;
  q: number;
  /** Risk ratio stratified by plan, when it differs from crude shrunk slightly toward 1. */
  planRR?: Interval;
  flags?: FeatureEvidence['flags'];
  flag_reasons?: string[];
}

function feature(s: FeatureSpec): FeatureEvidence {
  const [action, object, at] = s.key.split(' ');
  const a = Math.round(s.users * s.rate);
  const nonUsers = LABELLED - s.users;
  const b = RETAINED - a;
  const rr = katz(a, s.users, b, nonUsers);
  const shrink = (x: number) => Math.exp(0.85 * Math.log(x));
  const planRR = s.planRR ?? iv(shrink(rr.estimate), shrink(rr.low), shrink(rr.high));
  const [importance, sd, rank, low, high] = s.model;
  return {
    key: s.key,
    action,
    object,
    place: at ? at.slice(1) : null,
    users: s.users,
    prevalence: s.users / LABELLED,
    importance,
    importance_sd: sd,
    impurity: importance * 1.9,
    rank,
    rank_low: low,
    rank_high: high,
    ranked_with: at ? `${action} ${object}` : null,
    retention_users: wilsonInterval(a, s.users),
    retention_non_users: wilsonInterval(b, nonUsers),
    risk_ratio: rr,
    risk_difference: differenceOf(a / s.users, s.users, b / nonUsers, nonUsers),
    p_value: s.p,
    test: 'chi_square',
    q_value: s.q,
    stratified: {
      plan: { risk_ratio: planRR, p_value: s.p * 3, strata_used: 3 },
      signup_month: { risk_ratio: iv(rr.estimate * 0.98, rr.low * 0.97, rr.high * 0.99), p_value: s.p * 2, strata_used: 18 },
    },
    flags: s.flags ?? [],
    flag_reasons: s.flag_reasons ?? [],
    too_little_data: null,
  };
}

const features: FeatureEvidence[] = [
  feature({ key: 'closed conversation', users: 2418, rate: 0.74, model: [0.0412, 0.0061, 1, 1, 1], p: 2e-58, q: 1e-56 }),
  feature({ key: 'published workflow', users: 1104, rate: 0.83, model: [0.0187, 0.0043, 2, 2, 4], p: 3.1e-31, q: 7.7e-30 }),
  feature({ key: 'used macro', users: 1642, rate: 0.76, model: [0.0151, 0.0038, 3, 2, 5], p: 4.4e-20, q: 7.3e-19 }),
  feature({
    key: 'enabled resolution_bot',
    users: 434,
    rate: 0.86,
    model: [0.0122, 0.0051, 4, 2, 8],
    p: 1.2e-14,
    q: 1.5e-13,
    planRR: iv(1.04, 0.95, 1.14),
    flags: ['premium_niche'],
  }),
  feature({ key: 'connected whatsapp_channel', users: 521, rate: 0.81, model: [0.0094, 0.0032, 5, 3, 9], p: 6.5e-12, q: 6.5e-11 }),
  feature({ key: 'published help_center_article', users: 1290, rate: 0.72, model: [0.0071, 0.0029, 6, 4, 10], p: 8.2e-8, q: 6.8e-7 }),
  feature({
    key: 'sent chat_message',
    users: 3007,
    rate: 0.665,
    model: [0.0049, 0.0035, 7, 4, 12],
    p: 0.041,
    q: 0.082,
    flags: ['ubiquitous'],
    flag_reasons: ['used by 97% of accounts: it cannot tell customers apart'],
  }),
  feature({ key: 'created report', users: 688, rate: 0.75, model: [0.0038, 0.0024, 8, 5, 12], p: 2.3e-6, q: 1.6e-5 }),
  feature({ key: 'used macro @inbox', users: 1388, rate: 0.74, model: [0.0026, 0.0021, 9, 6, 13], p: 1.1e-7, q: 8.1e-7 }),
  feature({ key: 'created macro', users: 1520, rate: 0.69, model: [0.0021, 0.0019, 10, 6, 14], p: 0.0031, q: 0.014 }),
  feature({ key: 'connected sms_channel', users: 204, rate: 0.74, model: [0.0009, 0.0014, 11, 7, 15], p: 0.013, q: 0.046 }),
  feature({ key: 'enabled auto_reply', users: 1410, rate: 0.67, model: [0.0003, 0.0011, 12, 8, 15], p: 0.41, q: 0.57 }),
  {
    ...feature({ key: 'exported csv', users: 9, rate: 0.78, model: [-0.0002, 0.0004, 13, 9, 15], p: NaN, q: NaN }),
    p_value: null,
    test: null,
    q_value: null,
    risk_ratio: iv(NaN, NaN, NaN),
    risk_difference: iv(NaN, NaN, NaN),
    stratified: {},
    too_little_data: 'used by 9 accounts: too few to test',
  },
];

function step(key: string, prevalence: number, phi: Interval, lift: Interval, q: number, day: number, chosen: boolean, reason: string): SetupStepEvidence {
  const [action, object] = key.split(' ');
  return { key, action, object, prevalence, phi, lift, p_value: q / 3, q_value: q, median_first_day: day, chosen, reason };
}

const setupCandidates: SetupStepEvidence[] = [
  step('installed messenger', 0.81, iv(0.31, 0.28, 0.34), iv(2.21, 1.93, 2.53), 1e-40, 1, true, 'correlates with activation (φ 0.31) and is done by 81% of accounts'),
  step('invited teammate', 0.64, iv(0.27, 0.24, 0.3), iv(1.86, 1.68, 2.06), 2e-31, 3, true, 'correlates with activation (φ 0.27) and is done by 64% of accounts'),
  step('connected email_channel', 0.58, iv(0.22, 0.19, 0.25), iv(1.63, 1.48, 1.79), 4e-21, 4, true, 'correlates with activation (φ 0.22) and is done by 58% of accounts'),
  step('created team_inbox', 0.47, iv(0.18, 0.15, 0.21), iv(1.49, 1.37, 1.63), 8e-15, 8, true, 'correlates with activation (φ 0.18) and is done by 47% of accounts'),
  step('set office_hours', 0.39, iv(0.03, -0.01, 0.07), iv(1.05, 0.97, 1.14), 0.31, 6, false, 'its correlation with activation, φ 0.03 (95% CI −0.01–0.07), cannot be told from 0'),
  step('imported contacts', 0.93, iv(0.11, 0.07, 0.14), iv(1.42, 1.18, 1.71), 2e-6, 2, false, 'done by 93% of accounts, above the 90% bound: it cannot tell accounts apart'),
  step('created assignment_rule', 0.06, iv(0.09, 0.05, 0.12), iv(1.38, 1.21, 1.57), 1e-4, 21, false, 'done by 6% of accounts, below the 10% bound: a step almost nobody does cannot guide them'),
];

// The premium_niche sentence, worded as the adoption benchmark words it, from the feature's own numbers.
const niche = features.find((f) => f.flags.includes('premium_niche'))!;
const two = (x: number) => x.toFixed(2);
const ci = (r: Interval) => `${two(r.estimate)} (95% CI ${two(r.low)}–${two(r.high)})`;
niche.flag_reasons = [
  `87% of its users are on the premium plan (14% of accounts); its crude risk ratio ${ci(niche.risk_ratio)} is largely the plan's effect: ` +
    `stratified by plan the risk ratio is ${ci(niche.stratified.plan.risk_ratio)}, whose interval contains 1`,
];

/** A milestone's held-out rates and its permutation test, from counts on the held-out accounts. */
function tested(unit: string, units: number, positives: number, tp: number, fp: number, null95: number, p: number, pHolm: number): MilestoneTest {
  const negatives = units - positives;
  const j = tp / positives - fp / negatives;
  return {
    held_out: {
      unit,
      units,
      positives,
      youden_j: j,
      sensitivity: wilsonInterval(tp, positives),
      specificity: wilsonInterval(negatives - fp, negatives),
      ppv: wilsonInterval(tp, tp + fp),
      npv: wilsonInterval(negatives - fp, units - tp - fp),
      reach: wilsonInterval(tp + fp, units),
    },
    null_test: {
      statistic: `held-out Youden's J (${unit}s)`,
      observed: j,
      permutations: 200,
      null_mean: 0.01,
      null_95: null95,
      p_value: p,
      p_holm: pHolm,
      passed: true,
      how: 'outcomes shuffled within plan, on both sides; choice made again on the earlier cohorts, judged on the later',
    },
    proposed: true,
  };
}

/** A grid where, per window, sensitivity = exp(−t/a) and the false-positive rate exp(−t/b). */
function thresholdFixture(
  base: Omit<ThresholdEvidence, 'choice' | 'grid' | 'threshold_interval' | 'window_share' | 'jump'>,
  thresholds: number[],
  windows: { days: number; b: number; m: number }[],
  intervalWidth: number,
): ThresholdEvidence {
  const retainedShare = RETAINED / LABELLED;
  const grid: ThresholdGridPoint[] = [];
  let best = { days: 0, threshold: 0, j: -Infinity, sens: 0, fpr: 0 };
  for (const w of windows) {
    const a = w.b * w.m;
    for (const t of thresholds.filter((x) => x <= 4 * a + 2)) {
      const sens = Math.exp(-t / a);
      const fpr = Math.exp(-t / w.b);
      const j = sens - fpr;
      grid.push({ days: w.days, threshold: t, youdenJ: j, reach: retainedShare * sens + (1 - retainedShare) * fpr });
      if (j > best.j + 1e-12) best = { days: w.days, threshold: t, j, sens, fpr };
    }
  }
  const churned = LABELLED - RETAINED;
  const tp = Math.round(best.sens * RETAINED);
  const fp = Math.round(best.fpr * churned);
  return {
    ...base,
    choice: {
      days: best.days,
      threshold: best.threshold,
      youdenJ: best.j,
      sensitivity: wilsonInterval(tp, RETAINED),
      specificity: wilsonInterval(churned - fp, churned),
      ppv: wilsonInterval(tp, tp + fp),
      npv: wilsonInterval(churned - fp, LABELLED - tp - fp),
      reach: wilsonInterval(tp + fp, LABELLED),
    },
    threshold_interval: { low: Math.max(0, best.threshold - intervalWidth), high: best.threshold + intervalWidth * 1.5 },
    window_share: 0.87,
    jump: iv(2.4, 1.7, 3.4),
    grid,
  };
}

const WINDOWS = [7, 14, 30, 60, 90];

const activation = thresholdFixture(
  {
    action: 'closed',
    object: 'conversation',
    chosen_because: 'the most predictive count feature (rank 1)',
    measure: 'count_within_days',
    accounts: LABELLED,
    later_utilization: {
      accounts: 3100,
      censored: 212,
      reached: wilsonInterval(1002, 1395),
      not_reached: wilsonInterval(378, 1705),
      risk_ratio: katz(1002, 1395, 378, 1705),
    },
    warnings: [],
    ...tested('account', 1300, 960, 610, 70, 0.11, 0.005, 0.02),
  },
  [0, 1, 2, 3, 4, 5, 6, 8, 10, 12, 14, 16, 18, 20, 22, 25, 28, 30, 35, 40, 45, 50, 60, 70, 80, 100, 120, 150],
  WINDOWS.map((days, i) => ({ days, b: 0.12 * days + 0.5, m: [1.8, 2.1, 2.4, 2.7, 2.9][i] })),
  6,
);

/** Utilization is judged per account-month (a month's rate per seat against churn in the next), in one 30-day window. */
const utilization = thresholdFixture(
  {
    action: 'closed',
    object: 'conversation',
    metadata: { state: 'resolved' },
    chosen_because: "the current framework's utilization counts it (milestones.yaml)",
    measure: 'per_seat_per_month',
    accounts: 41_250,
    warnings: [
      "Chosen on 41,250 account-months of 2,900 accounts (1,106 followed by churn): a calendar month's closed conversation per seat against churn in the month after. The interval resamples accounts with all their months.",
      '6 of 200 bootstrap resamples held only retained or only churned accounts and were skipped',
    ],
    ...tested('account-month', 17_800, 17_310, 9_900, 150, 0.06, 0.005, 0.02),
  },
  [0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10, 12, 15],
  [{ days: 30, b: 1.5, m: 2.8 }],
  1,
);

/** A thinned Kaplan–Meier curve with a constant hazard, censoring as follow-up runs out. */
function curve(n: number, hazard: number): CurvePoint[] {
  const out: CurvePoint[] = [];
  for (let day = 0; day <= 270; day += 15) {
    const survival = Math.exp(-hazard * day);
    const atRisk = Math.round(n * survival * (1 - day / 400));
    const se = day === 0 ? 0 : Math.sqrt((survival * (1 - survival)) / Math.max(atRisk, 1));
    out.push({ day, survival, low: Math.max(0, survival - Z * se), high: Math.min(1, survival + Z * se), at_risk: atRisk });
  }
  return out;
}

function milestone(name: string, reached: number, retainedReached: number, hazards: [number, number], chi: number, p: number): MilestoneValidation {
  const notReached = LABELLED - reached;
  const retainedNot = RETAINED - retainedReached;
  return {
    milestone: name,
    reached,
    not_reached: notReached,
    curve_reached: curve(reached, hazards[0]),
    curve_not_reached: curve(notReached, hazards[1]),
    log_rank: { chi_square: chi, p_value: p },
    retention_reached: wilsonInterval(retainedReached, reached),
    retention_not_reached: wilsonInterval(retainedNot, notReached),
    risk_ratio: katz(retainedReached, reached, retainedNot, notReached),
  };
}

function link(from: string, to: string, a: number, n1: number, b: number, n2: number) {
  return { from, to, rate_given_from: wilsonInterval(a, n1), rate_given_not_from: wilsonInterval(b, n2), risk_ratio: katz(a, n1, b, n2) };
}

export const EVIDENCE_FIXTURE: DiscoveryEvidence = {
  version: 2,
  generated_at: '2025-07-01T08:14:03.512Z',
  as_of: '2025-06-30',
  settings: {
    retention: { kind: 'still_customer', days: 365, dormantDays: 30, earlyDays: 90 },
    seed: 42,
    trees: 100,
    refits: 10,
    bootstrap: 200,
    permutations: 200,
  },
  data: {
    accounts: 4200,
    labelled: LABELLED,
    retained: RETAINED,
    churned: LABELLED - RETAINED,
    left_out: { too_young: 980, churned_in_early_window: 120 },
    features: features.length,
    seats: 'data',
    plans: ['premium', 'pro', 'starter'],
    cohorts: Array.from({ length: 18 }, (_, i) => `${2023 + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`),
    plan_source: 'history',
  },
  caveat: 'These are associations in observational data, not causes.',
  split: {
    how: 'month',
    cut: '2024-01-01',
    selection: { cohorts: ['2023-01', '2023-12'], accounts: 1800, retained: 1300, churned: 500 },
    held_out: { cohorts: ['2024-01', '2024-06'], accounts: 1300, retained: 960, churned: 340 },
  },
  verdict: {
    proposed: ['setup', 'activation', 'utilization', 'maturity'],
    nothing_better_than_chance: false,
    statement: "Proposed: setup, activation, utilization, maturity; the forest's AUC on the 1,300 held-out accounts is 0.79, against 0.56 at the 95th percentile of 200 label permutations (p = 0.0050).",
  },
  warnings: [
    'signup cohorts 2023-01 to 2023-03 have fewer than 50 labelled accounts each: their retention rates are noisy',
    '214 accounts have no seat count; they are counted as one seat',
  ],
  model: {
    oob_auc: 0.812,
    held_out_auc: 0.794,
    null_test: {
      statistic: 'held-out AUC',
      observed: 0.794,
      permutations: 200,
      null_mean: 0.53,
      null_95: 0.56,
      p_value: 1 / 201,
      p_holm: null,
      passed: true,
      how: 'retention shuffled within plan among the held-out accounts; the forest kept',
    },
    refits: 10,
    trees: 100,
    covariates: { names: ['plan = premium', 'plan = pro', 'plan = starter', 'seats'], importance: 0.012, importance_sd: 0.003 },
  },
  features,
  setup: {
    window_days: 14,
    outcome: `activation (at least ${activation.choice.threshold} closed conversation within ${activation.choice.days} days)`,
    candidates: setupCandidates,
    steps: ['installed messenger', 'invited teammate', 'connected email_channel', 'created team_inbox'],
    at_least: 3,
    prevalence_bounds: { low: 0.1, high: 0.9 },
    accounts: { selection: 2400, held_out: 1700 },
    ...tested('account', 1700, 760, 560, 300, 0.04, 0.005, 0.02),
  },
  activation,
  utilization,
  maturity: {
    window_days: 90,
    mature_in_at_least: 2,
    categories: [
      {
        name: 'automation',
        source: 'milestones',
        features: [
          { key: 'used macro', prevalence: 0.53, risk_ratio_within_category: iv(1.06, 0.99, 1.13), q_value: 0.11, level: 'basic', reason: 'used by 71% of the category’s accounts; its lift over the others, 1.06 (95% CI 0.99–1.13), is not significant' },
          { key: 'enabled auto_reply', prevalence: 0.45, risk_ratio_within_category: iv(0.98, 0.92, 1.05), q_value: 0.62, level: 'basic', reason: 'used by 60% of the category’s accounts; no lift over the others' },
          { key: 'published workflow', prevalence: 0.36, risk_ratio_within_category: iv(1.27, 1.2, 1.35), q_value: 2e-12, level: 'mature', reason: 'its users retain 1.27 (95% CI 1.20–1.35) times as often as the category’s other users (q 2e-12)' },
          { key: 'created custom_bot', prevalence: 0.04, risk_ratio_within_category: iv(1.09, 0.91, 1.31), q_value: 0.48, level: 'left_out', reason: 'rare (5% of the category’s accounts) and no evidence that it adds anything' },
        ],
        basic: ['used macro', 'enabled auto_reply'],
        mature: ['published workflow'],
      },
      {
        name: 'support_channels',
        source: 'milestones',
        features: [
          { key: 'customized messenger_appearance', prevalence: 0.61, risk_ratio_within_category: iv(1.01, 0.95, 1.08), q_value: 0.88, level: 'basic', reason: 'used by 66% of the category’s accounts; no lift over the others' },
          { key: 'published help_center_article', prevalence: 0.42, risk_ratio_within_category: iv(1.04, 0.98, 1.1), q_value: 0.31, level: 'basic', reason: 'used by 45% of the category’s accounts; its lift over the others, 1.04 (95% CI 0.98–1.10), is not significant' },
          { key: 'connected whatsapp_channel', prevalence: 0.17, risk_ratio_within_category: iv(1.24, 1.16, 1.33), q_value: 3e-9, level: 'mature', reason: 'its users retain 1.24 (95% CI 1.16–1.33) times as often as the category’s other users (q 3e-9)' },
          { key: 'connected sms_channel', prevalence: 0.07, risk_ratio_within_category: iv(1.19, 1.08, 1.31), q_value: 0.004, level: 'mature', reason: 'its users retain 1.19 (95% CI 1.08–1.31) times as often as the category’s other users (q 0.004)' },
        ],
        basic: ['customized messenger_appearance', 'published help_center_article'],
        mature: ['connected whatsapp_channel', 'connected sms_channel'],
      },
    ],
    ...tested('account', 1300, 960, 250, 20, 0.05, 0.005, 0.02),
  },
  validation: {
    accounts: { cohorts: ['2024-01', '2024-06'], count: 1300 },
    landmark_days: 90,
    event: 'churn',
    milestones: [
      milestone('setup', 2170, 1580, [0.0009, 0.0021], 212.4, 0),
      milestone('activation', 1395, 1181, [0.0006, 0.0023], 318.9, 0),
      milestone('utilization', 1380, 1145, [0.0005, 0.0021], 276.1, 0),
      milestone('maturity', 640, 560, [0.0004, 0.0016], 38.2, 6.4e-10),
    ],
    chain: [
      link('setup', 'activation', 1155, 2170, 240, 930),
      link('activation', 'utilization', 1002, 1395, 378, 1705),
      link('utilization', 'maturity', 470, 1380, 170, 1720),
      link('maturity', 'retained', 560, 640, 1486, 2460),
    ],
  },
};

/** A fresh deep copy of the fixture, safe to change. */
export const evidenceFixture = (): DiscoveryEvidence => structuredClone(EVIDENCE_FIXTURE);
