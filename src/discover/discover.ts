import type { Matcher, MilestonesConfig } from '../config/index.js';
import { addDays, describeMatcher } from '../milestones/index.js';
import type { Store } from '../store/index.js';
import { aucPermutationNull, quantile, riskRatio, sortedQuantile, strataCodes, wilsonInterval } from '../stats/index.js';
import { adoptionBenchmark, type AdoptionFlag } from './adoption-benchmark.js';
import { splitCohorts, type CohortSplit } from './cohort-split.js';
import { chooseCoreActions, type CountedAction } from './core-action.js';
import { accountMonths, accountsObservedFor, countInRanges, DailyCounts, firstUseDays, mainPlaces } from './early-activity.js';
import { EVIDENCE_VERSION, type DiscoveryEvidence, type FeatureEvidence, type NullTest, type SplitSide, type ThresholdEvidence } from './evidence.js';
import { rankFeatures, type FeatureRanking } from './feature-importance.js';
import { engagementStrata } from './engagement-strata.js';
import { buildFeatureMatrix, columnIndex, type FeatureMatrix } from './feature-matrix.js';
import { validateHeldOut } from './held-out-validation.js';
import { chooseMaturity } from './maturity-milestone.js';
import { ALPHA, gateMilestones, nullTest, pick } from './null-check.js';
import { writeProposal } from './proposal.js';
import { labelAccounts, type LabelledAccount, type RetentionLabels, type RetentionSettings } from './retention-label.js';
import { chooseSetup } from './setup-milestone.js';
import { chooseThresholdMilestone, type ThresholdMilestoneChoice } from './threshold-milestone.js';
import { univariateEvidence } from './univariate-evidence.js';

export interface DiscoverOptions {
  /** 'YYYY-MM-DD': only data up to this day is read. */
  asOf: string;
  retention: RetentionSettings;
  seed?: number;
  /** Trees per forest fit (default 100). */
  trees?: number;
  /** Forest refits on bootstrap samples, for importance and rank intervals (default 10). */
  refits?: number;
  /** Bootstrap resamples of accounts for threshold intervals (default 200). */
  bootstrap?: number;
  /** Label permutations in each null check (default 200). */
  permutations?: number;
  threads?: number;
  /**
   * The framework in use: its activation and utilization `count` name the core action (unless
   * `coreAction` is given) and its maturity categories group features. Null: found from data.
   */
  current?: MilestonesConfig | null;
  /** The core action counted by activation (and utilization unless the framework names one). */
  coreAction?: Matcher;
  /** Activation windows in days from signup (default 7, 14, 30, 60, 90; those beyond the early window are dropped). */
  windows?: number[];
  /** Setup steps are looked for in the first this many days, and never after the activation window (default 30). */
  setupDays?: number;
  /** Prevalence above which a feature is ubiquitous (default 0.95). */
  ubiquitousAbove?: number;
  /** Roughly this share of judged accounts, the latest cohorts, is held out (default 0.3). */
  heldOutShare?: number;
  /** Called as each step advances; `total` is the step's own count. */
  onProgress?: (step: string, done: number, total: number) => void;
}

export interface DiscoveryResult {
  evidence: DiscoveryEvidence;
  /** Null when nothing could be proposed; evidence.verdict and warnings say why. */
  proposal: { yaml: string; config: MilestonesConfig } | null;
}

/** Below these, discovery reports what it has but proposes nothing. */
const MIN_LABELLED = 50;
const MIN_EACH_OUTCOME = 10;
/** Below these, results come with a warning that they are unstable. */
const STABLE_LABELLED = 500;
const STABLE_EACH_OUTCOME = 100;
/** A count feature repeats: its users' median early count is at least this. */
const REPEATED_MEDIAN = 5;
const MONTH_DAYS = 30;
const LATER_DAYS = 90;

const CAVEAT =
  'These are associations in observational data, not causes: accounts that do more of something may differ in other ways. ' +
  'Every choice was made on the earlier signup cohorts and checked on the later ones; a milestone is proposed only when it separates retained from churned accounts there better than shuffled labels do.';

const plural = (n: number, what: string): string => `${n.toLocaleString('en-US')} ${what}${n === 1 ? '' : 's'}`;
const pairKey = (m: Pick<Matcher, 'action' | 'object'>): string => `${m.action} ${m.object}`;
const fmt = (x: number, d = 2): string => (Number.isFinite(x) ? x.toFixed(d) : '—');
const pFmt = (p: number): string => (p < 0.001 ? p.toExponential(1) : p.toPrecision(2));

/**
 * Discovery backwards from retention: labels accounts, splits them into earlier cohorts (where
 * everything is chosen) and later ones (where it is judged), measures their early behaviour,
 * ranks it by a random forest and by univariate evidence with the adoption benchmark, then
 * chooses setup steps, an activation threshold, a utilization threshold per seat and a maturity
 * split; proposes those that beat a label-permutation null on the later cohorts, validates the
 * proposal there, and writes it.
 */
export async function discover(store: Store, options: DiscoverOptions): Promise<DiscoveryResult> {
  const opts = withDefaults(options);
  const { asOf, retention, seed, trees, refits, bootstrap, permutations, threads, ubiquitousAbove, progress } = opts;
  const warnings: string[] = [];

  progress('labelling accounts', 0, 1);
  const labels = await labelAccounts(store, retention, asOf);
  const labelled = labels.labelled;
  const retained = Uint8Array.from(labelled, (a) => (a.retained ? 1 : 0));
  const retainedCount = retained.reduce((a, b) => a + b, 0);
  const plans = [...new Set(labelled.map((a) => a.plan).filter((p): p is string => p !== null && p !== ''))].sort();
  const planOf = labelled.map((a) => a.plan ?? '(none)');
  const strata = strataCodes(plans.length >= 2 ? planOf : null, labelled.length);
  const hasSeats = labelled.some((a) => a.seats > 1);
  const evidence = initialEvidence(opts, labels, { seed, trees, refits, bootstrap, permutations }, plans, hasSeats);
  evidence.warnings = warnings;
  warnings.push(...dataWarnings(labels, retention, asOf, plans, hasSeats));

  const churnedCount = labelled.length - retainedCount;
  if (labelled.length < MIN_LABELLED || retainedCount < MIN_EACH_OUTCOME || churnedCount < MIN_EACH_OUTCOME) {
    warnings.push(
      `Too little data to discover anything: ${plural(labelled.length, 'judged account')} (${retainedCount} retained, ${churnedCount} not); ` +
        `at least ${MIN_LABELLED} judged accounts with ${MIN_EACH_OUTCOME} of each outcome are needed, and ${STABLE_LABELLED} with ${STABLE_EACH_OUTCOME} of each for stable results. ` +
        `Wait for more accounts to pass day ${retention.days}, or judge retention earlier with --retention-days.`,
    );
    return nothingProposed(evidence, 'Too little data to judge anything.');
  }
  const split = splitCohorts(labelled, { heldOutShare: opts.heldOutShare, minEachOutcome: MIN_EACH_OUTCOME, seed });
  if (!split) {
    warnings.push(
      `Too little data to hold any accounts out: each side of the split needs at least ${MIN_EACH_OUTCOME} retained and ${MIN_EACH_OUTCOME} churned accounts. ` +
        `Wait for more accounts to pass day ${retention.days}, or judge retention earlier with --retention-days.`,
    );
    return nothingProposed(evidence, 'Too few accounts to choose on some and judge on others.');
  }
  const [selection, heldOut] = sides(labelled, split);
  evidence.split = { how: split.how, cut: split.cut, selection: side(labelled, selection), held_out: side(labelled, heldOut) };
  if (split.how === 'random') {
    warnings.push(`All judged accounts signed up too close together to hold out later cohorts: a random ${Math.round(opts.heldOutShare * 100)}% of them (by a seeded hash of the account id) is held out instead.`);
  }
  if (selection.length < STABLE_LABELLED || evidence.split.selection.churned < STABLE_EACH_OUTCOME || evidence.split.selection.retained < STABLE_EACH_OUTCOME) {
    warnings.push(
      `Little data: ${plural(selection.length, 'account')} to choose on (${evidence.split.selection.churned} not retained); about ${STABLE_LABELLED} with ${STABLE_EACH_OUTCOME} of each outcome are needed for stable ranks and thresholds. Read the intervals, not the point estimates.`,
    );
  }

  progress('measuring early behaviour', 0, 1);
  const matrix = await buildFeatureMatrix(store, labelled, retention.earlyDays);
  evidence.data.features = matrix.features.length;
  if (matrix.features.length === 0) {
    warnings.push(`No behaviour recorded in the first ${retention.earlyDays} days of any judged account: nothing to relate to retention. Check that events carry the accounts' ids (cairn stats).`);
    return nothingProposed(evidence, 'No early behaviour to relate to retention.');
  }

  // Univariate evidence and the adoption benchmark, on the earlier cohorts.
  progress('univariate evidence', 0, 1);
  const used = matrix.features.map((f) => usedColumn(matrix, f.key));
  const keys = matrix.features.map((f) => f.key);
  const selUsed = used.map((u) => pick(u, selection));
  const selPlans = Array.from(selection, (i) => planOf[i]);
  const strataByName = [
    ...(plans.length >= 2 ? [{ name: 'plan', values: selPlans }] : []),
    ...(evidence.data.cohorts.length >= 2 ? [{ name: 'signup_month', values: Array.from(selection, (i) => labelled[i].signup_month) }] : []),
    { name: 'engagement', values: engagementStrata(matrix, selection, selPlans) },
  ];
  const selRetained = Array.from(pick(retained, selection), (v) => v === 1);
  const univariate = univariateEvidence({ retained: selRetained, used: selUsed, keys, strata: strataByName });
  const adoption = adoptionBenchmark(univariate, { planOf: plans.length >= 2 ? selPlans : null, used: selUsed, keys }, { ubiquitousAbove });

  // The forest: chosen on the earlier cohorts, scored on the later, its AUC against its null.
  const ranking = await rankFeatures(
    { matrix, retained: labelled.map((a) => a.retained), selection, heldOut, covariates: planCovariates(labelled, plans, hasSeats) },
    { seed, trees, refits, ...(threads === undefined ? {} : { threads }), onProgress: (done, total) => progress('random forest', done, total) },
  );
  progress('null check', 0, 1);
  const forestNull = nullTest(
    'held-out AUC',
    'retention shuffled within plan among the held-out accounts; the forest (fitted on the earlier cohorts) kept',
    ranking.heldOutAuc,
    aucPermutationNull(ranking.heldOutScores, pick(retained, heldOut), pick(strata, heldOut), permutations, seed ^ 0x68e31da4),
  );
  evidence.model = {
    oob_auc: ranking.oobAuc,
    held_out_auc: ranking.heldOutAuc,
    null_test: forestNull,
    refits: ranking.refits,
    trees,
    covariates: ranking.covariates && { names: ranking.covariates.names, importance: ranking.covariates.importance, importance_sd: ranking.covariates.importanceSd },
  };
  const medianCounts = new Map(matrix.features.map((f) => [f.key, medianCount(matrix, f.key)]));
  evidence.features = featureEvidence(matrix, univariate, adoption, ranking, medianCounts);
  const flagged = new Set(evidence.features.filter((f) => f.flags.length > 0).map((f) => f.key));
  const matcherByKey = new Map(matrix.features.map((f) => [f.key, { action: f.action, object: f.object, ...(f.place ? { place: f.place } : {}) } as Matcher]));

  const daily = new DailyCounts(store, asOf);
  try {
    return await chooseMilestones(store, daily, { opts, labelled, retained, selection, heldOut, strata, split, matrix, used, evidence, flagged, matcherByKey, medianCounts, forestNull });
  } finally {
    await daily.close();
  }
}

const DEFAULTS = { seed: 1, trees: 100, refits: 10, bootstrap: 200, permutations: 200, setupDays: 30, ubiquitousAbove: 0.95, heldOutShare: 0.3 };
type Resolved = DiscoverOptions & typeof DEFAULTS & { progress: NonNullable<DiscoverOptions['onProgress']> };

/** The options with every default filled in (an option given as undefined takes its default). */
function withDefaults(opts: DiscoverOptions): Resolved {
  const given = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined));
  return { ...DEFAULTS, ...given, retention: opts.retention, asOf: opts.asOf, progress: opts.onProgress ?? (() => {}) };
}

interface Chosen {
  opts: Resolved;
  labelled: LabelledAccount[];
  retained: Uint8Array;
  selection: Int32Array;
  heldOut: Int32Array;
  strata: Int32Array;
  split: CohortSplit;
  matrix: FeatureMatrix;
  used: Uint8Array[];
  evidence: DiscoveryEvidence;
  flagged: Set<string>;
  matcherByKey: Map<string, Matcher>;
  medianCounts: Map<string, number>;
  forestNull: NullTest;
}

/** The milestones: core action, activation, utilization, setup, maturity; the null check; the proposal and its validation. */
async function chooseMilestones(store: Store, daily: DailyCounts, c: Chosen): Promise<DiscoveryResult> {
  const { opts, labelled, retained, selection, heldOut, strata, split, matrix, used, evidence, flagged, matcherByKey, medianCounts, forestNull } = c;
  const { asOf, retention, seed, bootstrap, permutations, setupDays, progress } = opts;
  const warnings = evidence.warnings;
  // The core action: configured (if it has events), else the most predictive repeated action.
  const ids = labelled.map((a) => a.account_id);
  const currentActivation = Object.values(opts.current?.milestones ?? {}).find((m) => m.kind === 'threshold');
  const currentUtilization = Object.values(opts.current?.milestones ?? {}).find((m) => m.kind === 'per_seat');
  const bestRepeated = evidence.features.find((f) => f.rank !== null && f.place === null && !flagged.has(f.key) && (medianCounts.get(f.key) ?? 0) >= REPEATED_MEDIAN);
  const { core, utilization: utilAction, warnings: coreWarnings } = await chooseCoreActions({
    daily,
    accountIds: ids,
    earlyDays: retention.earlyDays,
    configured: opts.coreAction
      ? { matcher: opts.coreAction, because: 'given with --core-action' }
      : currentActivation?.kind === 'threshold'
        ? { matcher: currentActivation.count, because: "the current framework's activation counts it (milestones.yaml)" }
        : null,
    configuredUtilization: !opts.coreAction && currentUtilization?.kind === 'per_seat' ? { matcher: currentUtilization.count, because: "the current framework's utilization counts it (milestones.yaml)" } : null,
    best: bestRepeated
      ? {
          matcher: matcherByKey.get(bestRepeated.key)!,
          because: `the most predictive repeated action: rank ${bestRepeated.rank} among behaviours, users' median ${medianCounts.get(bestRepeated.key)} in ${retention.earlyDays} days`,
        }
      : null,
  });
  warnings.push(...coreWarnings);

  const common = { seed, bootstrap, permutations };
  progress('thresholds', 0, 2);
  const activation = core ? await activationStep(daily, { labelled, retained, selection, heldOut, strata, core, retention, windows: opts.windows, ...common }) : null;
  if (activation && !activation.evidence) warnings.push(`No threshold of ${describeMatcher(core!.matcher)} separates retained from churned accounts.`);
  evidence.activation = activation?.evidence ?? null;

  progress('thresholds', 1, 2);
  if (utilAction) {
    const util = await utilizationStep(daily, { split, utilAction, core: core!, activation: evidence.activation, ...common });
    warnings.push(...util.warnings);
    evidence.utilization = util.evidence;
  }
  if (evidence.activation && activation?.counts && evidence.utilization) {
    evidence.activation.later_utilization = await laterUtilization(daily, labelled, heldOut, activation.counts, evidence.activation, evidence.utilization, retention);
  }

  // Setup: early one-off steps, observed before the activation window closes.
  if (evidence.activation) {
    progress('setup steps', 0, 1);
    const setup = await setupStep(daily, { split, core: core!, utilAction, activation: evidence.activation, matrix, flagged, medianCounts, setupDays, ...common });
    if (setup.warning) warnings.push(setup.warning);
    evidence.setup = setup.evidence;
  }

  // Maturity: each category's features split into basic and mature use.
  progress('maturity', 0, 1);
  const usedByKey = new Map(matrix.features.map((f, j) => [f.key, used[j]] as const));
  const inJourney = new Set([...(evidence.setup?.steps ?? []), ...(core ? [pairKey(core.matcher)] : []), ...(utilAction ? [pairKey(utilAction.matcher)] : [])]);
  const eligible = (key: string) => usedByKey.has(key) && !flagged.has(key) && !inJourney.has(key);
  const categories = await maturityCategories(store, opts.current ?? null, matrix, eligible);
  evidence.maturity = chooseMaturity({ retained, used: usedByKey, categories, windowDays: retention.earlyDays, selection, heldOut, strata }, common);
  if (evidence.maturity.mature_in_at_least === 0) warnings.push('No feature is predictive beyond basic use in any category: no maturity milestone proposed.');

  // The null check: the forest first, then each milestone (Holm across them).
  const proposed = gateMilestones(forestNull, [
    { name: 'activation', test: evidence.activation?.null_test ?? null },
    { name: 'setup', test: evidence.setup?.null_test ?? null, needs: 'activation' },
    { name: 'utilization', test: evidence.utilization?.null_test ?? null },
    { name: 'maturity', test: evidence.maturity.null_test },
  ]);
  for (const name of ['setup', 'activation', 'utilization', 'maturity'] as const) {
    const m = evidence[name];
    if (m) m.proposed = proposed.has(name);
  }
  evidence.verdict = verdict(evidence, forestNull, proposed);
  if (proposed.size === 0) return { evidence, proposal: null };

  const proposal = writeProposal(evidence, (key) => matcherByKey.get(key) ?? splitKey(key));
  progress('validation', 0, 1);
  evidence.validation = await validateHeldOut(store, proposal.config, Array.from(heldOut, (i) => labelled[i]), retention, asOf);
  progress('done', 1, 1);
  return { evidence, proposal };
}

function initialEvidence(
  opts: DiscoverOptions,
  labels: RetentionLabels,
  settings: Omit<DiscoveryEvidence['settings'], 'retention'>,
  plans: string[],
  hasSeats: boolean,
): DiscoveryEvidence {
  const labelled = labels.labelled;
  const retainedCount = labelled.filter((a) => a.retained).length;
  return {
    version: EVIDENCE_VERSION,
    generated_at: new Date().toISOString(),
    as_of: opts.asOf,
    settings: { retention: { ...opts.retention }, ...settings },
    data: {
      accounts: labelled.length + labels.leftOut.tooYoung + labels.leftOut.churnedInEarlyWindow,
      labelled: labelled.length,
      retained: retainedCount,
      churned: labelled.length - retainedCount,
      left_out: { too_young: labels.leftOut.tooYoung, churned_in_early_window: labels.leftOut.churnedInEarlyWindow },
      features: 0,
      seats: hasSeats ? 'data' : 'none',
      plans,
      cohorts: [...new Set(labelled.map((a) => a.signup_month))].sort(),
      plan_source: labels.planSource,
    },
    caveat: CAVEAT,
    split: null,
    verdict: { proposed: [], nothing_better_than_chance: false, statement: '' },
    warnings: [],
    model: null,
    features: [],
    setup: null,
    activation: null,
    utilization: null,
    maturity: null,
    validation: null,
  };
}

/** Cautions about the data, each saying what to pass or import to do better. */
function dataWarnings(labels: RetentionLabels, retention: RetentionSettings, asOf: string, plans: string[], hasSeats: boolean): string[] {
  const out: string[] = [];
  const { tooYoung, churnedInEarlyWindow } = labels.leftOut;
  if (tooYoung > 0) {
    out.push(
      `${plural(tooYoung, 'account')} signed up less than ${retention.days} days before ${asOf}: too young to judge, left out. ` +
        `If the data runs later than ${asOf}, pass --as-of; to judge retention sooner, pass --retention-days.`,
    );
  }
  if (churnedInEarlyWindow > 0) out.push(`${plural(churnedInEarlyWindow, 'account')} churned within the first ${retention.earlyDays} days: their early behaviour is cut short, left out.`);
  if (!hasSeats) out.push('No seat counts above 1 in the data: every account counts as one seat, so utilization per seat is per account. Import seats with accounts.csv or `cairn import account-history`.');
  if (plans.length < 2) out.push('Fewer than two plans in the data: no stratification by plan and no premium-niche check. Import plans with accounts.csv or `cairn import account-history`.');
  else if (labels.planSource === 'current') {
    out.push("No account history: plan and seats are the accounts' current ones, which may be later than the early window and leak what happened after it. Import account history (`cairn import account-history`) to use plan and seats as they were.");
  }
  return out;
}

function nothingProposed(evidence: DiscoveryEvidence, why: string): DiscoveryResult {
  evidence.verdict = { proposed: [], nothing_better_than_chance: false, statement: `Nothing proposed: ${why} See the warnings.` };
  return { evidence, proposal: null };
}

/** Indexes of the rows (accounts, account-months) of the earlier cohorts and of the held-out ones. */
function sides(rows: readonly { account_id: string; signup_day: string }[], split: CohortSplit): [Int32Array, Int32Array] {
  const selection: number[] = [];
  const heldOut: number[] = [];
  rows.forEach((a, i) => (split.isHeldOut(a) ? heldOut : selection).push(i));
  return [Int32Array.from(selection), Int32Array.from(heldOut)];
}

function side(labelled: readonly LabelledAccount[], rows: Int32Array): SplitSide {
  const months = Array.from(rows, (i) => labelled[i].signup_month).sort();
  const retainedCount = Array.from(rows).filter((i) => labelled[i].retained).length;
  return { cohorts: [months[0], months[months.length - 1]], accounts: rows.length, retained: retainedCount, churned: rows.length - retainedCount };
}

/** Plan (one column per plan) and seats as of the end of the early window: covariates of every fit. */
function planCovariates(labelled: readonly LabelledAccount[], plans: string[], hasSeats: boolean): { names: string[]; x: Float64Array } | undefined {
  const names = [...(plans.length >= 2 ? plans.map((p) => `plan = ${p}`) : []), ...(hasSeats ? ['seats'] : [])];
  if (names.length === 0) return undefined;
  const x = new Float64Array(labelled.length * names.length);
  labelled.forEach((a, i) => {
    const o = i * names.length;
    if (plans.length >= 2) {
      const p = plans.indexOf(a.plan ?? '');
      if (p >= 0) x[o + p] = 1;
    }
    if (hasSeats) x[o + names.length - 1] = a.seats;
  });
  return { names, x };
}

function featureEvidence(
  matrix: FeatureMatrix,
  univariate: ReturnType<typeof univariateEvidence>,
  adoption: ReturnType<typeof adoptionBenchmark>,
  ranking: FeatureRanking,
  medianCounts: Map<string, number>,
): FeatureEvidence[] {
  const rankOf = new Map(ranking.features.map((f) => [f.key, f]));
  return matrix.features
    .map((info, j): FeatureEvidence => {
      const u = univariate[j];
      const pair = `${info.action} ${info.object}`;
      const r = info.place === null ? rankOf.get(info.key) : undefined;
      return {
        key: info.key,
        action: info.action,
        object: info.object,
        place: info.place,
        users: u.users,
        prevalence: u.prevalence,
        importance: r?.importance ?? null,
        importance_sd: r?.importanceSd ?? null,
        impurity: r?.impurity ?? null,
        rank: r?.rank ?? null,
        rank_low: r?.rankLow ?? null,
        rank_high: r?.rankHigh ?? null,
        ranked_with: info.place === null ? null : pair,
        retention_users: u.retentionUsers,
        retention_non_users: u.retentionNonUsers,
        risk_ratio: u.riskRatio,
        risk_difference: u.riskDifference,
        p_value: u.pValue,
        test: u.test,
        q_value: u.qValue,
        stratified: Object.fromEntries(
          Object.entries(u.stratified).map(([name, s]) => [name, { risk_ratio: s.riskRatio, p_value: s.pValue, strata_used: s.strataUsed }]),
        ),
        ...adoptionFlags(adoption[j], (medianCounts.get(info.key) ?? 0) >= REPEATED_MEDIAN),
        too_little_data: u.tooLittleData,
      };
    })
    .sort((a, b) => (a.rank ?? Infinity) - (b.rank ?? Infinity) || (b.importance ?? 0) - (a.importance ?? 0) || (a.key < b.key ? -1 : 1));
}

interface StepCommon {
  seed: number;
  bootstrap: number;
  permutations: number;
}

/** Activation: the core action's count within a window from signup, on the judged accounts. */
async function activationStep(
  daily: DailyCounts,
  a: StepCommon & {
    labelled: readonly LabelledAccount[];
    retained: Uint8Array;
    selection: Int32Array;
    heldOut: Int32Array;
    strata: Int32Array;
    core: CountedAction;
    retention: RetentionSettings;
    windows?: number[];
  },
): Promise<{ evidence: ThresholdEvidence | null; counts: Float64Array | null }> {
  const windows = (a.windows ?? [7, 14, 30, 60, 90]).filter((w) => w <= a.retention.earlyDays);
  if (windows.length === 0) windows.push(a.retention.earlyDays);
  const values = await countInRanges(daily, a.labelled.map((l) => l.account_id), a.core.matcher, windows.map((w) => ({ from: 0, to: w })));
  const choice = chooseThresholdMilestone(
    { windows, values, outcome: a.retained, selection: a.selection, heldOut: a.heldOut, strata: a.strata, unit: 'account' },
    { seed: a.seed, bootstrap: a.bootstrap, permutations: a.permutations, actionLabel: describeMatcher(a.core.matcher) },
  );
  if (!choice || choice.search.best.threshold < 1) return { evidence: null, counts: null };
  return {
    evidence: thresholdEvidence(a.core, 'count_within_days', a.selection.length, choice),
    counts: values[windows.indexOf(choice.search.best.days)],
  };
}

/**
 * Utilization per seat: a monthly state, so judged month by month: the count per seat in one
 * full calendar month against churn in the month after, over every account's months (no
 * retention label needed, so young accounts count too). Utilization follows activation in
 * the journey, so only activated accounts' months after their activation window are read:
 * otherwise the threshold would also pick up activation's own effect on churn. The bootstrap
 * resamples accounts with all their months.
 */
async function utilizationStep(
  daily: DailyCounts,
  a: StepCommon & { split: CohortSplit; utilAction: CountedAction; core: CountedAction; activation: ThresholdEvidence | null },
): Promise<{ evidence: ThresholdEvidence | null; warnings: string[] }> {
  let months = await accountMonths(daily, a.utilAction.matcher);
  const act = a.activation;
  if (act) {
    const accountIds = [...new Set(months.map((m) => m.account_id))];
    const [counts] = await countInRanges(daily, accountIds, a.core.matcher, [{ from: 0, to: act.choice.days }]);
    const activated = new Set(accountIds.filter((_, i) => counts[i] >= act.choice.threshold));
    months = months.filter((m) => activated.has(m.account_id) && m.month >= addDays(m.signup_day, act.choice.days));
  }
  const clusters = strataCodes(months.map((m) => m.account_id), months.length);
  const [selection, heldOut] = sides(months, a.split);
  const rate = Float64Array.from(months, (m) => m.perSeat);
  const stayed = Uint8Array.from(months, (m) => (m.churnedNext ? 0 : 1));
  const churnMonths = (rows: Int32Array) => rows.reduce((n, i) => n + (stayed[i] ? 0 : 1), 0);
  const [selChurn, heldChurn] = [churnMonths(selection), churnMonths(heldOut)];
  if (selChurn < MIN_EACH_OUTCOME || heldChurn < MIN_EACH_OUTCOME) {
    return { evidence: null, warnings: [`Only ${selChurn} account-months of the earlier cohorts and ${heldChurn} of the later are followed by churn: at least ${MIN_EACH_OUTCOME} on each side are needed for a utilization threshold.`] };
  }
  const label = `${describeMatcher(a.utilAction.matcher)} per seat per month`;
  const choice = chooseThresholdMilestone(
    {
      windows: [MONTH_DAYS],
      values: [rate],
      outcome: stayed,
      selection,
      heldOut,
      strata: strataCodes(months.map((m) => m.plan ?? '(none)'), months.length),
      clusters,
      candidates: niceCandidates(pick(rate, selection)),
      unit: 'account-month',
    },
    { seed: a.seed, bootstrap: a.bootstrap, permutations: a.permutations, actionLabel: label },
  );
  if (!choice || !(choice.search.best.threshold > 0)) return { evidence: null, warnings: ['No utilization threshold separates the months before churn from the others.'] };
  const evidence = thresholdEvidence(a.utilAction, 'per_seat_per_month', selection.length, choice);
  const selAccounts = new Set(Array.from(selection, (i) => clusters[i])).size;
  evidence.warnings.unshift(
    `Chosen on ${plural(selection.length, 'account-month')} of ${plural(selAccounts, 'account')} (${selChurn} followed by churn): a calendar month's ${describeMatcher(a.utilAction.matcher)} per seat against churn in the month after. The interval resamples accounts with all their months.`,
  );
  return { evidence, warnings: [] };
}

/**
 * How activation relates to later utilization, on the held-out judged accounts: the rate per
 * seat in the 90 days after the early window. Accounts that churned before those 90 were over
 * are censored (left out), not counted as not utilizing.
 */
async function laterUtilization(
  daily: DailyCounts,
  labelled: readonly LabelledAccount[],
  heldOut: Int32Array,
  activationCounts: Float64Array,
  activation: ThresholdEvidence,
  utilization: ThresholdEvidence,
  retention: RetentionSettings,
): Promise<NonNullable<ThresholdEvidence['later_utilization']>> {
  const to = retention.earlyDays + LATER_DAYS;
  const observed = Array.from(heldOut).filter((i) => {
    const churn = labelled[i].churn_day;
    return churn === null || churn >= addDays(labelled[i].signup_day, to);
  });
  const matcher = { action: utilization.action, object: utilization.object, ...(utilization.metadata ? { metadata: utilization.metadata } : {}) };
  const [later] = await countInRanges(daily, observed.map((i) => labelled[i].account_id), matcher, [{ from: retention.earlyDays, to }]);
  let a = 0, n1 = 0, c = 0, n0 = 0;
  observed.forEach((i, k) => {
    const utilizing = later[k] / labelled[i].seats / (LATER_DAYS / MONTH_DAYS) >= utilization.choice.threshold;
    if (activationCounts[i] >= activation.choice.threshold) [n1, a] = [n1 + 1, a + (utilizing ? 1 : 0)];
    else [n0, c] = [n0 + 1, c + (utilizing ? 1 : 0)];
  });
  const rr = riskRatio(a, n1, c, n0);
  return {
    accounts: observed.length,
    censored: heldOut.length - observed.length,
    reached: wilsonInterval(a, n1),
    not_reached: wilsonInterval(c, n0),
    risk_ratio: { estimate: rr.estimate, low: rr.low, high: rr.high },
  };
}

/** Setup: one-off steps first done before min(setupDays, the activation window) closes. */
async function setupStep(
  daily: DailyCounts,
  a: StepCommon & {
    split: CohortSplit;
    core: CountedAction;
    utilAction: CountedAction | null;
    activation: ThresholdEvidence;
    matrix: FeatureMatrix;
    flagged: Set<string>;
    medianCounts: Map<string, number>;
    setupDays: number;
  },
): Promise<{ evidence: DiscoveryEvidence['setup']; warning: string | null }> {
  const act = a.activation;
  const { store, asOf } = daily;
  const population = await accountsObservedFor(store, act.choice.days, asOf);
  const ids = population.map((p) => p.account_id);
  const [coreCounts] = await countInRanges(daily, ids, a.core.matcher, [{ from: 0, to: act.choice.days }]);
  const activated = Uint8Array.from(coreCounts, (c) => (c >= act.choice.threshold ? 1 : 0));
  const windowDays = Math.min(a.setupDays, act.choice.days);
  const excluded = new Set([pairKey(a.core.matcher), ...(a.utilAction ? [pairKey(a.utilAction.matcher)] : []), ...a.flagged]);
  const inMatrix = new Set(a.matrix.features.map((f) => f.key));
  const candidates = (await firstUseDays(store, ids, windowDays, asOf))
    .filter((f) => !excluded.has(f.key) && inMatrix.has(f.key) && (a.medianCounts.get(f.key) ?? Infinity) <= 3)
    .map((f) => ({ key: f.key, action: f.action, object: f.object, firstDay: f.days, done: Uint8Array.from(f.days, (d) => (Number.isNaN(d) ? 0 : 1)) }));
  const [selection, heldOut] = sides(population, a.split);
  if (candidates.length === 0 || selection.length < MIN_LABELLED || heldOut.length < MIN_LABELLED) {
    return { evidence: null, warning: 'Too few early one-off steps or accounts to propose setup.' };
  }
  const evidence = chooseSetup(
    { candidates, activated, selection, heldOut, windowDays, outcome: `activation (at least ${act.choice.threshold} ${act.action} ${act.object} within ${act.choice.days} days)` },
    a,
  );
  return { evidence, warning: evidence.steps.length === 0 ? 'No early step goes with activation clearly enough (phi > 0 with q < 0.05): no setup milestone proposed.' : null };
}

/** Maturity categories: the current framework's, else the place each feature is used in most. */
async function maturityCategories(store: Store, current: MilestonesConfig | null, matrix: FeatureMatrix, eligible: (key: string) => boolean) {
  const currentMaturity = Object.values(current?.milestones ?? {}).find((m) => m.kind === 'categories');
  if (currentMaturity?.kind === 'categories') {
    return Object.entries(currentMaturity.categories).map(([name, c]) => ({
      name,
      source: 'milestones' as const,
      keys: [...new Set([...c.basic, ...c.mature].map(pairKey))].filter(eligible),
    }));
  }
  const places = await mainPlaces(store);
  const byPlace = new Map<string, string[]>();
  for (const f of matrix.features) {
    if (f.place !== null || !eligible(f.key)) continue;
    const place = (places.get(f.key) ?? 'other').toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^[^a-z]+/, '') || 'other';
    byPlace.set(place, [...(byPlace.get(place) ?? []), f.key]);
  }
  return [...byPlace].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, k]) => ({ name, source: 'place' as const, keys: k }));
}

/** What is proposed and why, in one statement with the figures. */
function verdict(e: DiscoveryEvidence, forest: NullTest, proposed: Set<string>): DiscoveryEvidence['verdict'] {
  const held = e.split!.held_out;
  const auc = `the forest's AUC on the ${plural(held.accounts, 'held-out account')} (signed up ${held.cohorts[0]} to ${held.cohorts[1]}) is ${fmt(forest.observed)}, against ${fmt(forest.null_95)} at the 95th percentile of ${forest.permutations} label permutations (p = ${pFmt(forest.p_value)})`;
  const order = ['setup', 'activation', 'utilization', 'maturity'] as const;
  const figures = order
    .map((name) => {
      const t = e[name]?.null_test;
      return t ? `${name} held-out J ${fmt(t.observed)} (null 95th percentile ${fmt(t.null_95)}, p = ${pFmt(t.p_value)}${t.p_holm !== null ? `, Holm ${pFmt(t.p_holm)}` : ''})` : null;
    })
    .filter((s): s is string => s !== null);
  const list = figures.length ? ` Milestones: ${figures.join('; ')}.` : '';
  if (!forest.passed) {
    return { proposed: [], nothing_better_than_chance: true, statement: `Nothing here predicts retention better than chance: ${auc}. Nothing is proposed.${list}` };
  }
  const names = order.filter((n) => proposed.has(n));
  if (names.length === 0) {
    return { proposed: [], nothing_better_than_chance: false, statement: `Early behaviour predicts retention (${auc}), but no milestone beats its permutation null at ${ALPHA} after Holm's correction: none is proposed.${list}` };
  }
  return { proposed: names, nothing_better_than_chance: false, statement: `Proposed: ${names.join(', ')}; ${auc}.${list}` };
}

/**
 * A repeated action used by nearly everyone still tells accounts apart by how much it is used
 * (its count is what activation and utilization measure), so "ubiquitous" applies only to
 * features whose use is a yes or no.
 */
function adoptionFlags(a: { flags: AdoptionFlag[]; reasons: string[] }, repeated: boolean): Pick<FeatureEvidence, 'flags' | 'flag_reasons'> {
  const keep = a.flags.map((f) => !(repeated && f === 'ubiquitous'));
  return { flags: a.flags.filter((_, i) => keep[i]), flag_reasons: a.reasons.filter((_, i) => keep[i]) };
}

function usedColumn(matrix: FeatureMatrix, key: string): Uint8Array {
  const c = columnIndex(matrix, key, 'used');
  const w = matrix.columns.length;
  return Uint8Array.from({ length: matrix.rows }, (_, i) => matrix.x[i * w + c]);
}

/** The median early count among a feature's users. */
function medianCount(matrix: FeatureMatrix, key: string): number {
  const c = columnIndex(matrix, key, 'count');
  const w = matrix.columns.length;
  const counts: number[] = [];
  for (let i = 0; i < matrix.rows; i++) if (matrix.x[i * w + c] > 0) counts.push(matrix.x[i * w + c]);
  return counts.length ? quantile(counts, 0.5) : 0;
}

/** Thresholds worth reading: the 2%…98% quantiles (type 7) of the positive values, to two significant digits. */
function niceCandidates(values: Float64Array): number[] {
  const positive = values.filter((v) => v > 0).sort();
  if (positive.length === 0) return [1];
  const out = new Set<number>();
  for (let p = 0.02; p < 0.99; p += 0.02) out.add(Number(sortedQuantile(positive, p).toPrecision(2)));
  return [...out].filter((v) => v > 0).sort((a, b) => a - b);
}

const splitKey = (key: string): Matcher => {
  const [action, ...rest] = key.split(' ');
  return { action, object: rest.join(' ') };
};

function thresholdEvidence(a: CountedAction, measure: ThresholdEvidence['measure'], units: number, choice: ThresholdMilestoneChoice): ThresholdEvidence {
  const m = a.matcher;
  const { search } = choice;
  return {
    action: m.action,
    object: m.object,
    ...(m.metadata ? { metadata: Object.fromEntries(Object.entries(m.metadata).map(([k, v]) => [k, String(v)])) } : {}),
    chosen_because: a.because,
    measure,
    accounts: units,
    choice: search.best,
    jump: search.jump,
    threshold_interval: search.thresholdInterval,
    window_share: search.windowShare,
    grid: search.grid,
    later_utilization: null,
    warnings: [...search.warnings],
    held_out: choice.heldOut,
    null_test: choice.nullTest,
    proposed: false,
  };
}
