/**
 * The launch ledger: pre-registration and the record of what was done with it. A launch's
 * declaration (what it promised) is recorded with its hash the first time Cairn reads the file
 * and again whenever it changes; reports and share attempts are recorded as they happen. The
 * declaration a report judges is the last one recorded by the launch day: the pre-registered one.
 */
import { createHash } from 'node:crypto';
import { IMPACT_KINDS, type Expectation, type Launch, type LaunchConfig } from '../config/index.js';
import { dayNumber, dayOfMs, dayText } from './day-numbers.js';
import { appendLedger, readLedger, type LedgerRow } from './outcome-queries.js';
import type { Store } from '../store/index.js';

/** The part of a launch file that is a promise: changing it after launch is an amendment. */
export interface Declaration {
  audience: string | null;
  outcome: LaunchConfig['outcome'] | null;
  impact: LaunchConfig['impact'];
  events: LaunchConfig['events'] | null;
  funnel: LaunchConfig['funnel'];
  holdout: LaunchConfig['holdout'] | null;
  checkpoints: number[];
}

export interface RecordedDeclaration {
  recorded_at: number;
  hash: string;
  declaration: Declaration;
}

export function declarationOf(config: LaunchConfig): Declaration {
  return {
    audience: config.audience ?? null,
    outcome: config.outcome ?? null,
    impact: config.impact,
    events: config.events ?? null,
    funnel: config.funnel,
    holdout: config.holdout ?? null,
    checkpoints: config.checkpoints,
  };
}

/** JSON with keys sorted at every level, so equal declarations hash alike. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export const declarationHash = (d: Declaration): string => createHash('sha256').update(canonicalJson(d)).digest('hex');

/** The declarations recorded for a launch, oldest first. */
export function declarations(rows: readonly LedgerRow[]): RecordedDeclaration[] {
  return rows
    .filter((r) => r.kind === 'declaration' && r.hash !== null)
    .map((r) => ({ recorded_at: r.recorded_at, hash: r.hash!, declaration: r.body as Declaration }));
}

/**
 * Records the launch file's declaration when the ledger has none or its hash differs from the
 * last one recorded; returns the launch's ledger after that.
 */
export async function syncDeclaration(store: Store, launch: Launch, now: number): Promise<LedgerRow[]> {
  const rows = await readLedger(store, launch.name);
  const current = declarationOf(launch.config);
  const hash = declarationHash(current);
  const last = declarations(rows).at(-1);
  if (last?.hash === hash) return rows;
  const row: LedgerRow = { launch: launch.name, kind: 'declaration', recorded_at: now, hash, body: current };
  await appendLedger(store, [row]);
  return [...rows, row];
}

/** Recorded by the end of the launch day: a promise made before anyone could see results. */
const beforeLaunch = (recordedAt: number, launchedAt: string) => dayOfMs(recordedAt) <= dayNumber(launchedAt);

export interface Amendment {
  recorded_at: string;
  /** Top-level parts that changed: outcome, impact, events… */
  changed: string[];
  after_launch: boolean;
}

/** What a launch declared, when, and what of it counts. */
export interface Preregistration {
  /** When Cairn first read a declaration of this launch; null if never. */
  first_recorded_at: string | null;
  /** The declaration the verdict judges: the last recorded by the launch day, else the current one. */
  judged: Declaration;
  judged_hash: string;
  /** True when `judged` was recorded by the launch day (or the launch is still planned). */
  pre_registered: boolean;
  amendments: Amendment[];
}

export function preregistration(history: readonly RecordedDeclaration[], current: Declaration, launchedAt: string | undefined): Preregistration {
  const before = launchedAt === undefined ? history : history.filter((h) => beforeLaunch(h.recorded_at, launchedAt));
  const judged = before.at(-1);
  const amendments: Amendment[] = history.slice(1).map((h, i) => ({
    recorded_at: new Date(h.recorded_at).toISOString(),
    changed: changedParts(history[i].declaration, h.declaration),
    after_launch: launchedAt !== undefined && !beforeLaunch(h.recorded_at, launchedAt),
  }));
  return {
    first_recorded_at: history.length ? new Date(history[0].recorded_at).toISOString() : null,
    judged: judged?.declaration ?? current,
    judged_hash: judged?.hash ?? declarationHash(current),
    pre_registered: judged !== undefined,
    amendments,
  };
}

function changedParts(a: Declaration, b: Declaration): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]) as Set<keyof Declaration>;
  return [...keys].filter((k) => canonicalJson(a[k] ?? null) !== canonicalJson(b[k] ?? null)).sort();
}

/** One metric a launch declared: the outcome, or an impact by kind. */
export interface DeclaredMetric {
  role: 'outcome' | (typeof IMPACT_KINDS)[number];
  expectation: Expectation;
}

export function declaredMetrics(d: Declaration): DeclaredMetric[] {
  const out: DeclaredMetric[] = [];
  if (d.outcome) out.push({ role: 'outcome', expectation: d.outcome });
  for (const kind of IMPACT_KINDS) {
    const e = d.impact[kind];
    if (e) out.push({ role: kind, expectation: e });
  }
  return out;
}

/**
 * Metrics of the current file that the judged declaration does not hold as they are now (new,
 * or changed after launch): reported as exploratory, never counted toward the verdict. With
 * `firstSeen`, each says when it was first declared in this form.
 */
export function exploratoryMetrics(current: Declaration, prereg: Preregistration, history: readonly RecordedDeclaration[]): (DeclaredMetric & { first_declared: string | null })[] {
  if (!prereg.pre_registered) return [];
  const judged = new Set(declaredMetrics(prereg.judged).map((m) => canonicalJson(m)));
  return declaredMetrics(current)
    .filter((m) => !judged.has(canonicalJson(m)))
    .map((m) => {
      const first = history.find((h) => declaredMetrics(h.declaration).some((x) => canonicalJson(x) === canonicalJson(m)));
      return { ...m, first_declared: first ? dayText(dayOfMs(first.recorded_at)) : null };
    });
}

/** A report as the ledger keeps it. */
export interface ReportRecord {
  at: string;
  checkpoint: number | null;
  verdict: string;
  design: string | null;
  estimate: number | null;
  flags: string[];
  /** The metrics the report counted (outcome and impact roles), so a later check can see what it claimed. */
  counted: string[];
}

export async function recordReport(store: Store, launch: string, report: ReportRecord, now: number): Promise<void> {
  await appendLedger(store, [{ launch, kind: 'report', recorded_at: now, hash: null, body: report }]);
}

export function reports(rows: readonly LedgerRow[]): (ReportRecord & { recorded_at: number })[] {
  return rows.filter((r) => r.kind === 'report').map((r) => ({ ...(r.body as ReportRecord), recorded_at: r.recorded_at }));
}

/** One attempt at posting a report somewhere; `payload` is kept so a failed post can be sent again. */
export interface ShareRecord {
  /** Which report: its `at` day. */
  at: string;
  target: 'slack';
  status: 'sent' | 'failed';
  attempts: number;
  http_status: number | null;
  error: string | null;
  payload: unknown;
}

export async function recordShare(store: Store, launch: string, share: ShareRecord, now: number): Promise<void> {
  await appendLedger(store, [{ launch, kind: 'share', recorded_at: now, hash: null, body: share }]);
}

/** A launch's whole ledger as plain data (for the API and the dashboard): share payloads left out. */
export async function launchLedger(store: Store, launch: string) {
  const rows = await readLedger(store, launch);
  const when = (ms: number) => new Date(ms).toISOString();
  return {
    launch,
    declarations: declarations(rows).map((d) => ({ recorded_at: when(d.recorded_at), hash: d.hash, declaration: d.declaration })),
    reports: reports(rows).map((r) => ({ ...r, recorded_at: when(r.recorded_at) })),
    shares: rows
      .filter((r) => r.kind === 'share')
      .map((r) => {
        const { payload: _payload, ...share } = r.body as ShareRecord;
        return { ...share, recorded_at: when(r.recorded_at) };
      }),
  };
}

export type LaunchLedger = Awaited<ReturnType<typeof launchLedger>>;

/** Posts whose last attempt failed (a later success for the same report clears them). */
export function failedShares(rows: readonly LedgerRow[]): (ShareRecord & { launch: string; recorded_at: number })[] {
  const last = new Map<string, ShareRecord & { launch: string; recorded_at: number }>();
  for (const r of rows) if (r.kind === 'share') last.set(`${r.launch}\u0001${(r.body as ShareRecord).at}`, { ...(r.body as ShareRecord), launch: r.launch, recorded_at: r.recorded_at });
  return [...last.values()].filter((s) => s.status === 'failed');
}
