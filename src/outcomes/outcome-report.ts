/**
 * The outcome report of one launch as of a day: pre-registration and amendments, the
 * instrumentation gate, the adoption funnel, the declared outcome and impact measured with the
 * strongest design the data allow (and every other design beside it), metrics declared after
 * launch as exploratory, qualitative feedback, decisions and actions, the anti-patterns, and the
 * verdict. Plain JSON-safe data: the CLI, the API and the renderers read the same object.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Expectation, Launch, MilestonesConfig, TrackingPlan } from '../config/index.js';
import { computeMilestones, type MilestoneReport } from '../milestones/index.js';
import { bonferroniConfidence } from '../stats/index.js';
import type { Store } from '../store/index.js';
import { adoptionFunnel, FUNNEL_STAGES, type AdoptionFunnel, type FunnelStage, type StageCounts } from './adoption-funnel.js';
import { antiPatterns, checkpointStatus, type CheckpointStatus, type Flag } from './anti-patterns.js';
import { dayNumber, dayText } from './day-numbers.js';
import type { DesignResult } from './design-result.js';
import { checkInstrumentation, type GateResult } from './instrumentation-gate.js';
import {
  declarationOf,
  declarations,
  declaredMetrics,
  exploratoryMetrics,
  preregistration,
  recordReport,
  reports,
  syncDeclaration,
  type Amendment,
  type Declaration,
  type DeclaredMetric,
} from './ledger.js';
import { CONFIDENCE, countFrom, measureMetric, readCounts, type MeasureContext, type Measurement } from './measure-metric.js';
import { metricLabel, metricScale } from './metric-values.js';
import { readAccounts, readActivityTotals, readHistory, readLastActivityDay, type AccountRow, type HistoryRow } from './outcome-queries.js';
import { buildPopulation, type Population } from './population.js';
import { PRE_USE_DAYS } from './propensity-design.js';
import { decideVerdict, type Verdict } from './verdict.js';

export interface MeasuredMetric {
  role: DeclaredMetric['role'];
  metric: Measurement['metric'];
  label: string;
  /** proportion: values are shares and effects differences in proportions; otherwise means. */
  scale: Measurement['scale'];
  direction: string;
  target: Measurement['target'];
  expected: number | null;
  design: string | null;
  grade: string | null;
  estimate: number | null;
  low: number | null;
  high: number | null;
  p_value: number | null;
  treated: DesignResult['treated'];
  control: DesignResult['control'];
  power: number | null;
  /** Declared only after launch: shown, never counted. */
  exploratory: boolean;
  first_declared?: string | null;
  designs: DesignResult[];
}

export interface FeedbackNote {
  file: string;
  title: string;
  text: string;
}

export interface OutcomeReport {
  launch: string;
  at: string;
  verdict: Verdict;
  reason: string;
  design: string | null;
  outcome: MeasuredMetric | null;
  flags: Flag['code'][];
  flag_details: Flag[];
  problem: string;
  owner: string;
  size: 'small' | 'big';
  launched_at: string | null;
  /** The last day with data; measurement stops there when the report's day is later. */
  data_through: string | null;
  checkpoint: { days: number; date: string } | null;
  checkpoints: CheckpointStatus[];
  looks: { checkpoints: number; confidence: number; per_look: number; method: string };
  preregistration: { pre_registered: boolean; first_recorded_at: string | null; hash: string; amendments: Amendment[] };
  impact: MeasuredMetric[];
  exploratory: MeasuredMetric[];
  funnel: AdoptionFunnel | null;
  instrumentation: GateResult;
  feedback: FeedbackNote[];
  decisions: string[];
  actions: Launch['config']['actions'];
  /** What the report asks the team to add (decisions, actions, feedback). */
  asks: string[];
  generated_at: string;
}

export interface ReportOptions {
  /** The report's day, 'YYYY-MM-DD'. */
  at: string;
  /** Wall-clock time for the ledger (epoch ms). */
  now?: number;
  /** Record the report in the ledger (the CLI does; previews and tests may not). */
  record?: boolean;
}

export interface ReportWorkspace {
  milestones: MilestonesConfig;
  trackingPlan: TrackingPlan;
}

export async function buildOutcomeReport(store: Store, ws: ReportWorkspace, launch: Launch, options: ReportOptions): Promise<OutcomeReport> {
  const now = options.now ?? Date.now();
  const requested = dayNumber(options.at);
  const ledger = await syncDeclaration(store, launch, now);
  const history = declarations(ledger);
  const current = declarationOf(launch.config);
  const prereg = preregistration(history, current, launch.config.launched_at);
  const judged = prereg.judged;
  const lastDay = await readLastActivityDay(store);
  const at = lastDay === null ? requested : Math.min(requested, lastDay);
  const launchDay = launch.config.launched_at ? dayNumber(launch.config.launched_at) : null;
  const gate = await checkInstrumentation(store, launch, ws.trackingPlan, dayText(at));
  const looks = judged.checkpoints.length;

  let outcome: MeasuredMetric | null = null;
  let outcomeMeasurement: Measurement | null = null;
  let impact: MeasuredMetric[] = [];
  let exploratory: MeasuredMetric[] = [];
  let funnel: AdoptionFunnel | null = null;
  if (launchDay !== null && at >= launchDay) {
    const ctx = await measureContext(store, ws, launch, judged, launchDay, at, looks);
    funnel = buildFunnel(ctx.counts, ctx.population, launch, launchDay, at);
    const measure = async (m: DeclaredMetric, extra: { exploratory: boolean; first_declared?: string | null }) => toMeasured(m, await measureMetric(ctx, m.expectation), extra);
    const judgedMetrics = declaredMetrics(judged);
    const out = judgedMetrics.find((m) => m.role === 'outcome');
    if (out) {
      outcomeMeasurement = await measureMetric(ctx, out.expectation);
      outcome = toMeasured(out, outcomeMeasurement, { exploratory: !prereg.pre_registered });
    }
    for (const m of judgedMetrics.filter((x) => x.role !== 'outcome')) impact.push(await measure(m, { exploratory: !prereg.pre_registered }));
    for (const m of exploratoryMetrics(current, prereg, history)) exploratory.push(await measure(m, { exploratory: true, first_declared: m.first_declared }));
  } else if (judged.outcome) {
    outcome = unmeasured({ role: 'outcome', expectation: judged.outcome }, !prereg.pre_registered);
    impact = declaredMetrics(judged).filter((m) => m.role !== 'outcome').map((m) => unmeasured(m, !prereg.pre_registered));
  }

  const firstCheckpoint = judged.checkpoints[0];
  const { verdict, reason } = decideVerdict({
    launchedAt: launch.config.launched_at,
    launchDay,
    at,
    firstCheckpoint,
    outcome: outcomeMeasurement,
    preRegistered: prereg.pre_registered,
    firstDeclared: prereg.first_recorded_at,
    instrumented: gate.passed,
    gateProblem: gate.problems[0]?.message ?? null,
  });

  // Checkpoints are the calendar's: judged on the report's day, whatever the data's last day.
  const reportDays = reports(ledger).map((r) => dayNumber(r.at));
  const passedCheckpoint = launchDay === null ? null : [...judged.checkpoints].reverse().find((c) => launchDay + c <= requested) ?? null;
  const statuses = launchDay === null ? [] : checkpointStatus(launchDay, judged.checkpoints, [...reportDays, requested], requested);
  const flagDetails = antiPatterns({ launch, launchDay, at: requested, firstCheckpoint, prereg, gate, statuses, exploratory, verdict });
  const perLook = bonferroniConfidence(CONFIDENCE, looks);

  const feedback = await readFeedback(launch.feedbackDir);
  const report: OutcomeReport = {
    launch: launch.name,
    at: options.at,
    verdict,
    reason,
    design: outcome?.design ?? null,
    outcome,
    flags: flagDetails.map((f) => f.code),
    flag_details: flagDetails,
    problem: launch.config.problem,
    owner: launch.config.owner,
    size: launch.config.size,
    launched_at: launch.config.launched_at ?? null,
    data_through: lastDay === null ? null : dayText(lastDay),
    checkpoint: passedCheckpoint === null || launchDay === null ? null : { days: passedCheckpoint, date: dayText(launchDay + passedCheckpoint) },
    checkpoints: statuses,
    looks: {
      checkpoints: looks,
      confidence: CONFIDENCE,
      per_look: perLook,
      method:
        looks > 1
          ? `Bonferroni over the ${looks} declared checkpoints: each interval is ${round(perLook * 100, 2)}%, so all of them hold together with ${CONFIDENCE * 100}%`
          : `one declared checkpoint: ${CONFIDENCE * 100}% intervals`,
    },
    preregistration: { pre_registered: prereg.pre_registered, first_recorded_at: prereg.first_recorded_at, hash: prereg.judged_hash, amendments: prereg.amendments },
    impact,
    exploratory,
    funnel,
    instrumentation: gate,
    feedback,
    decisions: launch.config.decisions,
    actions: launch.config.actions,
    asks: asksOf(launch, feedback),
    generated_at: new Date(now).toISOString(),
  };
  if (options.record) {
    await recordReport(
      store,
      launch.name,
      {
        at: options.at,
        checkpoint: passedCheckpoint,
        verdict,
        design: report.design,
        grade: outcome?.grade ?? null,
        estimate: outcome?.estimate ?? null,
        low: outcome?.low ?? null,
        high: outcome?.high ?? null,
        flags: report.flags,
        counted: [outcome, ...impact].filter((m): m is MeasuredMetric => m !== null && !m.exploratory).map((m) => m.role),
      },
      now,
    );
  }
  return report;
}

/** The data every metric of the report shares, read once. */
async function measureContext(store: Store, ws: ReportWorkspace, launch: Launch, judged: Declaration, launchDay: number, at: number, looks: number): Promise<MeasureContext> {
  const [accounts, historyRows, preUseMap] = await Promise.all([
    readAccounts(store),
    readHistory(store),
    readActivityTotals(store, launchDay - PRE_USE_DAYS, launchDay),
  ]);
  const population = judgedPopulation(launch, judged, launchDay, accounts, historyRows);
  // Everything counted: the funnel's events as judged and as now, and every count metric.
  const events = judged.events;
  const stageMatchers = [events, launch.config.events].flatMap((e) => (e ? FUNNEL_STAGES.flatMap((s) => e[s] ?? []) : []));
  const countMetrics = [...declaredMetrics(judged), ...declaredMetrics(declarationOf(launch.config))].flatMap((m) =>
    m.expectation.metric.kind === 'count' ? [{ matcher: m.expectation.metric.when, from: countFrom(launchDay, m.expectation.metric.within_days) }] : [],
  );
  const counts = await readCounts(store, population, [...stageMatchers.map((matcher) => ({ matcher, from: launchDay })), ...countMetrics], at);
  const activation = events ? counts(events.activation) : null;
  const anyLaunchEvent = events ? counts(FUNNEL_STAGES.flatMap((s) => events[s] ?? [])) : null;
  const preUse = new Float64Array(population.ids.length);
  for (const [id, n] of preUseMap) {
    const i = population.index.get(id);
    if (i !== undefined) preUse[i] = n;
  }
  let milestones: Promise<MilestoneReport> | null = null;
  return {
    store,
    launch,
    holdout: judged.holdout,
    looks,
    population,
    launchDay,
    at,
    activation,
    anyLaunchEvent,
    preUse,
    counts,
    milestones: () => (milestones ??= computeMilestones(store, ws.milestones, dayText(at))),
  };
}

/** The accounts as the judged declaration divides them: its audience and its holdout. */
function judgedPopulation(launch: Launch, judged: Declaration, launchDay: number, accounts: AccountRow[], history: HistoryRow[]): Population {
  return buildPopulation({ ...launch, config: { ...launch.config, audience: judged.audience ?? undefined, holdout: judged.holdout ?? undefined } }, launchDay, accounts, history);
}

function buildFunnel(counted: MeasureContext['counts'], population: Population, launch: Launch, launchDay: number, at: number): AdoptionFunnel | null {
  const events = launch.config.events;
  if (!events) return null;
  const counts: StageCounts = { activation: counted(events.activation) };
  for (const s of ['awareness', 'intent', 'adoption', 'engagement'] as const) if (events[s]) counts[s] = counted(events[s]!);
  const declared = Object.fromEntries(FUNNEL_STAGES.map((s) => [s, events[s] !== undefined || (s !== 'awareness' && s !== 'intent')])) as Record<FunnelStage, boolean>;
  return adoptionFunnel(population, launchDay, at, counts, launch.config.funnel, declared);
}

/** Every account and its history, as a funnel reads them: one read shared by the launches of a page. */
export type AccountsReader = () => Promise<[AccountRow[], HistoryRow[]]>;

export const readAccountsOnce = (store: Store): AccountsReader => {
  let read: Promise<[AccountRow[], HistoryRow[]]> | null = null;
  return () => (read ??= Promise.all([readAccounts(store), readHistory(store)]));
};

/**
 * A launch's adoption funnel alone, as the report on `at` shows it (the Launches page), with
 * no design run: null before launch or without events. `judged` is the launch's judged
 * declaration and `lastDay` the data's last day, which the page reads once. Records nothing.
 */
export async function launchFunnel(store: Store, launch: Launch, judged: Declaration, at: string, lastDay: number | null, accountsOf: AccountsReader): Promise<AdoptionFunnel | null> {
  const events = launch.config.events;
  const launchDay = launch.config.launched_at ? dayNumber(launch.config.launched_at) : null;
  if (!events || launchDay === null) return null;
  const day = lastDay === null ? dayNumber(at) : Math.min(dayNumber(at), lastDay);
  if (day < launchDay) return null;
  const [accounts, history] = await accountsOf();
  const population = judgedPopulation(launch, judged, launchDay, accounts, history);
  const matchers = FUNNEL_STAGES.flatMap((s) => events[s] ?? []).map((matcher) => ({ matcher, from: launchDay }));
  return buildFunnel(await readCounts(store, population, matchers, day), population, launch, launchDay, day);
}

function toMeasured(m: DeclaredMetric, r: Measurement, extra: { exploratory: boolean; first_declared?: string | null }): MeasuredMetric {
  const d = r.primary;
  return {
    role: m.role,
    metric: r.metric,
    label: r.label,
    scale: r.scale,
    direction: r.direction,
    target: r.target,
    expected: r.expected,
    design: d?.name ?? null,
    grade: d?.grade ?? null,
    estimate: d?.estimate ?? null,
    low: d?.low ?? null,
    high: d?.high ?? null,
    p_value: d?.p_value ?? null,
    treated: d?.treated ?? { n: 0, value: null },
    control: d?.control ?? { n: 0, value: null },
    power: d?.power ?? null,
    ...extra,
    designs: r.designs,
  };
}

/** A metric before launch: what was declared, nothing measured. */
function unmeasuredMeasurement(e: Expectation): Measurement {
  const expected = e.target.absolute !== undefined ? (e.direction === 'increase' ? 1 : -1) * e.target.absolute : null;
  return { metric: e.metric, label: metricLabel(e.metric), direction: e.direction, target: e.target, scale: metricScale(e.metric), expected, confidence: CONFIDENCE, primary: null, designs: [] };
}

const unmeasured = (m: DeclaredMetric, exploratory: boolean): MeasuredMetric => toMeasured(m, unmeasuredMeasurement(m.expectation), { exploratory });

function asksOf(launch: Launch, feedback: FeedbackNote[]): string[] {
  const asks: string[] = [];
  const file = `launches/${launch.name}.yaml`;
  if (launch.config.decisions.length === 0) asks.push(`What did you decide from this report? Add \`decisions:\` to ${file}.`);
  if (launch.config.actions.length === 0) asks.push(`Which actions follow, who owns them, by when? Add \`actions:\` to ${file}.`);
  if (feedback.length === 0) asks.push(`What do customers say? Add notes as launches/${launch.name}/feedback/*.md.`);
  return asks;
}

const MAX_NOTE = 20_000;

/** launches/NAME/feedback/*.md, by file name; the title is the first heading, else the file name. */
export async function readFeedback(dir: string): Promise<FeedbackNote[]> {
  let files: string[];
  try {
    files = (await readdir(dir)).filter((f) => f.endsWith('.md')).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return Promise.all(
    files.map(async (f) => {
      const text = (await readFile(path.join(dir, f), 'utf8')).slice(0, MAX_NOTE);
      const heading = /^#+\s+(.+)$/m.exec(text)?.[1]?.trim();
      return { file: f, title: heading ?? f.replace(/\.md$/, ''), text };
    }),
  );
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;
