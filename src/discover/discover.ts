import type { Matcher, MilestonesConfig } from '../config/index.js';
import { addDays, computeMilestones, describeMatcher } from '../milestones/index.js';
import type { Store } from '../store/index.js';
import { quantile, riskRatio, wilsonInterval } from '../stats/index.js';
import { adoptionBenchmark, type AdoptionFlag } from './adoption-benchmark.js';
import { accountMonths, accountsObservedFor, countInRanges, firstUseDays, mainPlaces } from './early-activity.js';
import { EVIDENCE_VERSION, type DiscoveryEvidence, type FeatureEvidence, type ThresholdEvidence } from './evidence.js';
import { rankFeatures } from './feature-importance.js';
import { buildFeatureMatrix, columnIndex, type FeatureMatrix } from './feature-matrix.js';
import { splitMaturity } from './maturity-split.js';
import { writeProposal } from './proposal.js';
import { labelAccounts, type LabelledAccount, type RetentionSettings } from './retention-label.js';
import { rankSetupSteps } from './setup-steps.js';
import { searchThreshold } from './threshold-search.js';
import { univariateEvidence } from './univariate-evidence.js';
import { validateMilestones } from './validation.js';

export interface DiscoverOptions {
  /** 'YYYY-MM-DD': only data up to this day is read. */
  asOf: string;
  retention: RetentionSettings;
  seed?: number;
  /** Trees per forest fit (default 100). */
  trees?: number;
  /** Seeded fits for importance and rank intervals (default 5). */
  fits?: number;
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
  /** Setup steps are looked for in the first this many days (default 30). */
  setupDays?: number;
  /** Prevalence above which a feature is ubiquitous (default 0.95). */
  ubiquitousAbove?: number;
  /** Called as each step advances; `total` is the step's own count. */
  onProgress?: (step: string, done: number, total: number) => void;
}

export interface DiscoveryResult {
  evidence: DiscoveryEvidence;
  /** Null when nothing could be proposed; evidence.warnings say why. */
  proposal: { yaml: string; config: MilestonesConfig } | null;
}

/** Below these, discovery reports what it has but proposes nothing. */
const MIN_LABELLED = 50;
const MIN_EACH_OUTCOME = 10;
/** Below these, results come with a warning that they are unstable. */
const STABLE_LABELLED = 500;
const STABLE_EACH_OUTCOME = 100;
/** A count feature repeats: its users' median early count is at least this. */
const REPEATED_MEDIAN = 10;
const MONTH_DAYS = 30;

const pct = (x: number): string => `${Math.round(x * 100)}%`;
const plural = (n: number, what: string): string => `${n.toLocaleString('en-US')} ${what}${n === 1 ? '' : 's'}`;
const pairKey = (m: Pick<Matcher, 'action' | 'object'>): string => `${m.action} ${m.object}`;

/**
 * Discovery backwards from retention: labels accounts, measures their early behaviour, ranks it
 * by a random forest and by univariate evidence with the adoption benchmark, then proposes
 * setup steps, an activation threshold, a utilization threshold per seat and a maturity split,
 * validates them on what happened after the early window, and writes the proposal.
 */
export async function discover(store: Store, opts: DiscoverOptions): Promise<DiscoveryResult> {
  const { asOf, retention, seed = 1, trees = 100, fits = 5, threads, setupDays = 30, ubiquitousAbove = 0.95 } = opts;
  const progress = opts.onProgress ?? (() => {});
  const warnings: string[] = [];

  progress('labelling accounts', 0, 1);
  const labels = await labelAccounts(store, retention, asOf);
  const labelled = labels.labelled;
  const retainedFlags = labelled.map((a) => a.retained);
  const retainedCount = retainedFlags.filter(Boolean).length;
  const churnedCount = labelled.length - retainedCount;
  const plans = [...new Set(labelled.map((a) => a.plan).filter((p): p is string => p !== null && p !== ''))].sort();
  const cohorts = [...new Set(labelled.map((a) => a.signup_month))].sort();
  const hasSeats = labelled.some((a) => a.seats > 1);

  progress('measuring early behaviour', 0, 1);
  const matrix = await buildFeatureMatrix(store, labelled, retention.earlyDays);
  const accountsTotal = labels.labelled.length + labels.leftOut.tooYoung + labels.leftOut.churnedInEarlyWindow;
  const evidence: DiscoveryEvidence = {
    version: EVIDENCE_VERSION,
    generated_at: new Date().toISOString(),
    as_of: asOf,
    settings: { retention: { ...retention }, seed, trees, fits },
    data: {
      accounts: accountsTotal,
      labelled: labelled.length,
      retained: retainedCount,
      churned: churnedCount,
      left_out: { too_young: labels.leftOut.tooYoung, churned_in_early_window: labels.leftOut.churnedInEarlyWindow },
      features: matrix.features.length,
      seats: hasSeats ? 'data' : 'none',
      plans,
      cohorts,
    },
    warnings,
    model: null,
    features: [],
    setup: null,
    activation: null,
    utilization: null,
    maturity: null,
    validation: null,
  };
  if (labels.leftOut.tooYoung > 0) {
    warnings.push(`${plural(labels.leftOut.tooYoung, 'account')} signed up less than ${retention.days} days before ${asOf}: too young to judge, left out.`);
  }
  if (labels.leftOut.churnedInEarlyWindow > 0) {
    warnings.push(`${plural(labels.leftOut.churnedInEarlyWindow, 'account')} churned within the first ${retention.earlyDays} days: their early behaviour is cut short, left out.`);
  }
  if (!hasSeats) warnings.push('No seat counts above 1 in the data: every account counts as one seat, so utilization per seat is per account.');
  if (plans.length < 2) warnings.push('Fewer than two plans in the data: no stratification by plan and no premium-niche check.');

  const enough = labelled.length >= MIN_LABELLED && retainedCount >= MIN_EACH_OUTCOME && churnedCount >= MIN_EACH_OUTCOME;
  if (!enough) {
    warnings.push(
      `Too little data to discover anything: ${plural(labelled.length, 'judged account')} (${retainedCount} retained, ${churnedCount} not); ` +
        `at least ${MIN_LABELLED} judged accounts with ${MIN_EACH_OUTCOME} of each outcome are needed, and ${STABLE_LABELLED} with ${STABLE_EACH_OUTCOME} of each for stable results. ` +
        `Wait for more accounts to pass day ${retention.days}, or judge retention earlier with --retention-days.`,
    );
    return { evidence, proposal: null };
  }
  if (labelled.length < STABLE_LABELLED || churnedCount < STABLE_EACH_OUTCOME || retainedCount < STABLE_EACH_OUTCOME) {
    const short = churnedCount < STABLE_EACH_OUTCOME ? `${churnedCount} not retained` : retainedCount < STABLE_EACH_OUTCOME ? `${retainedCount} retained` : `${labelled.length} judged accounts`;
    warnings.push(
      `Little data: ${short}; about ${STABLE_LABELLED} judged accounts with ${STABLE_EACH_OUTCOME} of each outcome are needed for stable importance ranks and thresholds. Read the intervals, not the point estimates.`,
    );
  }
  if (matrix.features.length === 0) {
    warnings.push(`No behaviour recorded in the first ${retention.earlyDays} days of any judged account: nothing to relate to retention.`);
    return { evidence, proposal: null };
  }

  // Univariate evidence, stratified by plan and signup cohort, and the adoption benchmark.
  progress('univariate evidence', 0, 1);
  const used = matrix.features.map((f) => usedColumn(matrix, f.key));
  const keys = matrix.features.map((f) => f.key);
  const strata = [
    ...(plans.length >= 2 ? [{ name: 'plan', values: labelled.map((a) => a.plan ?? '(none)') }] : []),
    ...(cohorts.length >= 2 ? [{ name: 'signup_month', values: labelled.map((a) => a.signup_month) }] : []),
  ];
  const univariate = univariateEvidence({ retained: retainedFlags, used, keys, strata });
  const adoption = adoptionBenchmark(univariate, { planOf: plans.length >= 2 ? labelled.map((a) => a.plan ?? '(none)') : null, used, keys }, { ubiquitousAbove });

  // The forest.
  const ranking = await rankFeatures(matrix, retainedFlags, {
    seed,
    trees,
    seeds: fits,
    ...(threads === undefined ? {} : { threads }),
    onProgress: (done, total) => progress('random forest', done, total),
  });
  evidence.model = { oob_auc: ranking.oobAuc, held_out_auc: ranking.heldOutAuc, held_out_aucs: ranking.heldOutAucs, fits: ranking.fits, trees };
  if (ranking.heldOutAuc < 0.6) {
    warnings.push(`The forest predicts retention only weakly from early behaviour (held-out AUC ${ranking.heldOutAuc.toFixed(2)}): importance ranks say little.`);
  }
  const rankOf = new Map(ranking.features.map((f) => [f.key, f]));
  evidence.features = matrix.features
    .map((info, j): FeatureEvidence => {
      const u = univariate[j];
      const r = rankOf.get(info.key);
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
        ...adoptionFlags(adoption[j], medianCount(matrix, info.key) >= REPEATED_MEDIAN),
        too_little_data: u.tooLittleData,
      };
    })
    .sort((a, b) => (a.rank ?? Infinity) - (b.rank ?? Infinity) || (a.key < b.key ? -1 : 1));
  const flagged = new Set(evidence.features.filter((f) => f.flags.length > 0).map((f) => f.key));
  const matcherByKey = new Map(matrix.features.map((f) => [f.key, { action: f.action, object: f.object, ...(f.place ? { place: f.place } : {}) } as Matcher]));

  // The core action: configured, else the most important repeated (count) feature.
  const currentActivation = Object.values(opts.current?.milestones ?? {}).find((m) => m.kind === 'threshold');
  const currentUtilization = Object.values(opts.current?.milestones ?? {}).find((m) => m.kind === 'per_seat');
  let core: Matcher | null = null;
  let coreBecause = '';
  if (opts.coreAction) [core, coreBecause] = [opts.coreAction, 'given with --core-action'];
  else if (currentActivation?.kind === 'threshold') [core, coreBecause] = [currentActivation.count, "the current framework's activation counts it (milestones.yaml)"];
  else {
    const best = evidence.features.find((f) => f.place === null && !flagged.has(f.key) && medianCount(matrix, f.key) >= REPEATED_MEDIAN);
    if (best) [core, coreBecause] = [matcherByKey.get(best.key)!, `the most predictive repeated action (importance rank ${best.rank}, users' median ${medianCount(matrix, best.key)} in ${retention.earlyDays} days)`];
  }
  const utilMatcher: Matcher | null = currentUtilization?.kind === 'per_seat' && !opts.coreAction ? currentUtilization.count : core;
  const utilBecause = currentUtilization?.kind === 'per_seat' && !opts.coreAction ? "the current framework's utilization counts it (milestones.yaml)" : `the core action (${coreBecause})`;
  const ids = labelled.map((a) => a.account_id);
  const outcome = Uint8Array.from(retainedFlags, (r) => (r ? 1 : 0));

  // Activation: the core action's count within a window from signup.
  progress('thresholds', 0, 2);
  let activationCounts: Float64Array | null = null;
  if (core) {
    const windows = (opts.windows ?? [7, 14, 30, 60, 90]).filter((w) => w <= retention.earlyDays);
    if (windows.length === 0) windows.push(retention.earlyDays);
    const counts = await countInRanges(store, ids, core, windows.map((w) => ({ from: 0, to: w })), asOf);
    const search = searchThreshold(
      { windows: windows.map((days, k) => ({ days, counts: counts[k] })), outcome },
      { seed, bagged: true, actionLabel: describeMatcher(core) },
    );
    if (search.best.threshold >= 1) {
      evidence.activation = thresholdEvidence(core, coreBecause, 'count_within_days', labelled.length, search);
      activationCounts = counts[windows.indexOf(search.best.days)];
    } else warnings.push(`No threshold of ${describeMatcher(core)} separates retained from churned accounts.`);
  }
  // Utilization per seat: a monthly state, so judged month by month: the count per seat in one
  // full calendar month against churn in the month after, over every account's months (no
  // retention label needed, so young accounts count too). Utilization follows activation in
  // the journey, so only activated accounts' months after their activation window are read:
  // otherwise the threshold would also pick up activation's own effect on churn.
  progress('thresholds', 1, 2);
  let utilThreshold: number | null = null;
  if (utilMatcher) {
    let months = await accountMonths(store, utilMatcher, asOf);
    const act = evidence.activation;
    if (act) {
      const accountIds = [...new Set(months.map((m) => m.account_id))];
      const [counts] = await countInRanges(store, accountIds, core!, [{ from: 0, to: act.choice.days }], asOf);
      const activated = new Set(accountIds.filter((_, i) => counts[i] >= act.choice.threshold));
      months = months.filter((m) => activated.has(m.account_id) && m.month >= addDays(m.signup_day, act.choice.days));
    }
    const rate = Float64Array.from(months, (m) => m.perSeat);
    const stayed = Uint8Array.from(months, (m) => (m.churnedNext ? 0 : 1));
    const churnMonths = months.length - stayed.reduce((a, b) => a + b, 0);
    if (churnMonths >= MIN_EACH_OUTCOME) {
      const search = searchThreshold(
        { windows: [{ days: MONTH_DAYS, counts: rate }], outcome: stayed },
        { seed, bagged: true, candidates: niceCandidates(rate), actionLabel: `${describeMatcher(utilMatcher)} per seat per month` },
      );
      if (search.best.threshold > 0) {
        utilThreshold = search.best.threshold;
        evidence.utilization = thresholdEvidence(utilMatcher, utilBecause, 'per_seat_per_month', months.length, search);
        evidence.utilization.warnings.unshift(
          `Judged on ${plural(months.length, 'account-month')} (${churnMonths} followed by churn): a calendar month's ${describeMatcher(utilMatcher)} per seat against churn in the month after. Rates are per account-month; the interval resamples months, not accounts.`,
        );
      } else warnings.push('No utilization threshold separates the months before churn from the others.');
    } else warnings.push(`Only ${churnMonths} account-months are followed by churn: at least ${MIN_EACH_OUTCOME} are needed for a utilization threshold.`);
  } else warnings.push('No repeated action to count: no activation or utilization threshold.');

  if (evidence.activation && activationCounts && utilMatcher && utilThreshold !== null) {
    // How activation relates to later utilization: the rate per seat in the 90 days after the early window.
    const [later] = await countInRanges(store, ids, utilMatcher, [{ from: retention.earlyDays, to: retention.earlyDays + 90 }], asOf);
    let a = 0, n1 = 0, c = 0, n0 = 0;
    for (let i = 0; i < ids.length; i++) {
      const utilizing = later[i] / labelled[i].seats / 3 >= utilThreshold;
      if (activationCounts[i] >= evidence.activation.choice.threshold) [n1, a] = [n1 + 1, a + (utilizing ? 1 : 0)];
      else [n0, c] = [n0 + 1, c + (utilizing ? 1 : 0)];
    }
    const rr = riskRatio(a, n1, c, n0);
    evidence.activation.later_utilization = { reached: wilsonInterval(a, n1), not_reached: wilsonInterval(c, n0), risk_ratio: { estimate: rr.estimate, low: rr.low, high: rr.high } };
  }

  progress('thresholds', 2, 2);

  // Setup: early one-off steps, ranked by their association with activation.
  if (evidence.activation) {
    progress('setup steps', 0, 1);
    const act = evidence.activation;
    const population = await accountsObservedFor(store, act.choice.days, asOf);
    const [coreCounts] = await countInRanges(store, population, core!, [{ from: 0, to: act.choice.days }], asOf);
    const activated = Uint8Array.from(coreCounts, (c) => (c >= act.choice.threshold ? 1 : 0));
    const excluded = new Set([pairKey(core!), ...(utilMatcher ? [pairKey(utilMatcher)] : []), ...flagged]);
    const firstUses = await firstUseDays(store, population, setupDays, asOf);
    const candidates = firstUses
      .filter((f) => !excluded.has(f.key) && matrix.features.some((m) => m.key === f.key) && medianCount(matrix, f.key) <= 3)
      .map((f) => ({ key: f.key, action: f.action, object: f.object, firstDay: f.days, done: Uint8Array.from(f.days, (d) => (Number.isNaN(d) ? 0 : 1)) }));
    if (candidates.length > 0 && population.length >= MIN_LABELLED) {
      evidence.setup = rankSetupSteps({ candidates, activated, windowDays: setupDays, outcome: `activation (${activationWords(act)})` });
      if (evidence.setup.steps.length === 0) warnings.push('No early step goes with activation: no setup milestone proposed.');
    } else warnings.push('Too few early one-off steps or accounts to propose setup.');
  }

  // Maturity: each category's features split into basic and mature use.
  progress('maturity', 0, 1);
  const usedByKey = new Map(matrix.features.map((f, j) => [f.key, used[j]] as const));
  const inJourney = new Set([...(evidence.setup?.steps ?? []), ...(core ? [pairKey(core)] : []), ...(utilMatcher ? [pairKey(utilMatcher)] : [])]);
  const eligible = (key: string) => usedByKey.has(key) && !flagged.has(key) && !inJourney.has(key);
  const currentMaturity = Object.values(opts.current?.milestones ?? {}).find((m) => m.kind === 'categories');
  let categories: { name: string; source: 'milestones' | 'place'; keys: string[] }[];
  if (currentMaturity?.kind === 'categories') {
    categories = Object.entries(currentMaturity.categories).map(([name, c]) => ({
      name,
      source: 'milestones' as const,
      keys: [...new Set([...c.basic, ...c.mature].map(pairKey))].filter(eligible),
    }));
  } else {
    const places = await mainPlaces(store);
    const byPlace = new Map<string, string[]>();
    for (const f of matrix.features) {
      if (f.place !== null || !eligible(f.key)) continue;
      const place = (places.get(f.key) ?? 'other').toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^[^a-z]+/, '') || 'other';
      byPlace.set(place, [...(byPlace.get(place) ?? []), f.key]);
    }
    categories = [...byPlace].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, k]) => ({ name, source: 'place' as const, keys: k }));
  }
  evidence.maturity = splitMaturity({ retained: retainedFlags, used: usedByKey, categories, windowDays: retention.earlyDays });
  if (evidence.maturity.mature_in_at_least === 0) warnings.push('No feature is predictive beyond basic use in any category: no maturity milestone proposed.');

  let proposal: DiscoveryResult['proposal'] = null;
  try {
    proposal = writeProposal(evidence, (key) => matcherByKey.get(key) ?? splitKey(key));
  } catch (e) {
    warnings.push((e as Error).message);
  }

  if (proposal) {
    progress('validation', 0, 1);
    evidence.validation = await validate(store, proposal.config, labelled, retention, asOf);
  }
  progress('done', 1, 1);
  return { evidence, proposal };
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

/** Thresholds worth reading: the 2%…98% quantiles of the positive values, to two significant digits. */
function niceCandidates(values: Float64Array): number[] {
  const positive = [...values].filter((v) => v > 0);
  if (positive.length === 0) return [1];
  const out = new Set<number>();
  for (let p = 0.02; p < 0.99; p += 0.02) out.add(Number(quantile(positive, p).toPrecision(2)));
  return [...out].filter((v) => v > 0).sort((a, b) => a - b);
}

const splitKey = (key: string): Matcher => {
  const [action, ...rest] = key.split(' ');
  return { action, object: rest.join(' ') };
};

function activationWords(a: ThresholdEvidence): string {
  return `at least ${a.choice.threshold} ${a.action} ${a.object} within ${a.choice.days} days`;
}

function thresholdEvidence(
  m: Matcher,
  because: string,
  measure: ThresholdEvidence['measure'],
  accounts: number,
  search: ReturnType<typeof searchThreshold>,
): ThresholdEvidence {
  return {
    action: m.action,
    object: m.object,
    ...(m.metadata ? { metadata: Object.fromEntries(Object.entries(m.metadata).map(([k, v]) => [k, String(v)])) } : {}),
    chosen_because: because,
    measure,
    accounts,
    choice: search.best,
    threshold_interval: search.thresholdInterval,
    grid: search.grid,
    later_utilization: null,
    warnings: [...search.warnings],
  };
}

/** Landmark validation of the proposal: milestones reached by the end of the early window, churn after it. */
async function validate(store: Store, framework: MilestonesConfig, labelled: readonly LabelledAccount[], retention: RetentionSettings, asOf: string) {
  const report = await computeMilestones(store, framework, asOf);
  const statusOf = new Map(report.accounts.map((a) => [a.account_id, a]));
  const names = Object.keys(framework.milestones);
  const dayMs = (d: string) => Date.parse(`${d}T00:00:00Z`);
  const landmarkOf = (a: LabelledAccount) => new Date(dayMs(a.signup_day) + retention.earlyDays * 86_400_000).toISOString().slice(0, 10);
  const followDays = labelled.map((a) => Math.max(0, Math.round((dayMs(a.churn_day ?? asOf) - dayMs(landmarkOf(a))) / 86_400_000)));
  const milestones = names.map((name) => ({
    name,
    reached: Uint8Array.from(labelled, (a) => {
      const at = statusOf.get(a.account_id)?.milestones[name]?.reached_at ?? null;
      return at !== null && at < landmarkOf(a) ? 1 : 0;
    }),
  }));
  return validateMilestones({
    landmarkDays: retention.earlyDays,
    eventLabel: 'churn',
    followDays,
    event: labelled.map((a) => a.churn_day !== null),
    retained: labelled.map((a) => a.retained),
    milestones,
  });
}
