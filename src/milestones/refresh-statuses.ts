import type { MilestonesConfig } from '../config/index.js';
import { NO_WRITE, sql, type MilestoneChangeRow, type StatusRefreshLease, type Store } from '../store/index.js';
import { asDay, toDay } from './days.js';
import { computeMilestones, type MilestoneReport } from './engine.js';
import { historyMonthEnds, type FunnelStatuses } from './funnel.js';
import { canonicalFramework, currentFrameworkVersion, frameworkHash } from './framework-version.js';
import { mapSliced } from './sliced.js';
import { journeyStages } from './stages.js';
import { statusChanges, type StatusChange } from './status-changes.js';
import { readFunnelRows, readSnapshots, readStatusRows, snapshotOf, statusRows } from './status-rows.js';
import type { Day } from './types.js';

/** Set (to the time) before a write that statuses do not follow yet; a full refresh clears it. */
export const STATUS_STALE_CHECKPOINT = 'milestone_status_stale';

/** Above this share of the accounts, an incremental refresh computes them all: filtering costs more than it saves. */
const INCREMENTAL_SHARE = 0.5;

export interface RefreshOptions {
  /**
   * Only these accounts (those a collector generation touched); the others keep their rows.
   * Ignored, and every account refreshed, on the first refresh, a new as-of day or a new
   * framework.
   */
  accounts?: Iterable<string>;
  /** Default: today (UTC). A refresh never goes back to an earlier day than the last one. */
  asOf?: Day;
  /** The text of milestones.yaml, kept with a framework version it is the first to use. */
  fileText?: string;
}

export interface RefreshSummary {
  kind: 'backfill' | 'full' | 'incremental';
  as_of: Day;
  framework_version: number;
  /** A framework version first used by this refresh. */
  new_version: boolean;
  accounts: number;
  changes: number;
  /** The seq numbers of its changes in milestone_changes; null when none. */
  seq: { first: number; last: number } | null;
  seconds: number;
}

export const today = (): Day => toDay(Date.now());

/** The last refresh: its day, version and whether data has been written since without a refresh. */
export interface StatusState {
  as_of: Day;
  framework_version: number;
  hash: string;
  refreshed_at: string;
  stale: boolean;
}

export async function statusState(store: Store): Promise<StatusState | null> {
  const d = store.dialect;
  const [last] = await store.query<{ as_of: string; framework_version: number | string; finished_at: string; hash: string }>(
    sql`SELECT ${d.dayText(sql`r.as_of`)} AS as_of, r.framework_version, ${d.epochMs(sql`r.finished_at`)} AS finished_at, v.hash
      FROM status_refreshes r JOIN framework_versions v ON v.version = r.framework_version ORDER BY r.id DESC LIMIT 1`,
  );
  if (!last) return null;
  const stale = Number((await store.checkpoint(STATUS_STALE_CHECKPOINT)) ?? 0) !== 0;
  return { as_of: asDay(last.as_of)!, framework_version: Number(last.framework_version), hash: last.hash, refreshed_at: new Date(Number(last.finished_at)).toISOString(), stale };
}

/** Marks the statuses as behind the data, before a write whose refresh comes after it (imports). */
export async function markStatusesStale(store: Store): Promise<void> {
  await store.applyCollected({ ...NO_WRITE, checkpoint: { name: STATUS_STALE_CHECKPOINT, value: Date.now() } });
}

/**
 * Brings the materialized statuses (account_status, milestone_status) up to date as of a day
 * and appends what changed to milestone_changes. The first refresh of a workspace backfills:
 * every account's history from its data, as if refreshed day by day since its signup. Later
 * ones diff against the feed: every account on a new day or a new framework (or after a
 * refresh that did not finish), else only `accounts`. One refresh at a time on a store, across
 * processes (`Store.withStatusRefresh`), so a scheduler or several collectors can call it alike.
 */
export function refreshStatuses(store: Store, framework: MilestonesConfig, opts: RefreshOptions = {}): Promise<RefreshSummary> {
  return store.withStatusRefresh((lease) => refreshUnder(lease, store, framework, opts));
}

async function refreshUnder(lease: StatusRefreshLease, store: Store, framework: MilestonesConfig, opts: RefreshOptions): Promise<RefreshSummary> {
  const started = Date.now();
  const asOf = opts.asOf ?? today();
  const state = await statusState(store);
  if (state && asOf < state.as_of) throw new Error(`invalid as-of: ${asOf} (statuses are as of ${state.as_of}; a refresh never goes back)`);
  const current = await currentFrameworkVersion(store);
  const hash = frameworkHash(framework);
  const newVersion = !current || current.hash !== hash;
  const version = newVersion ? (current?.version ?? 0) + 1 : current.version;

  let only = opts.accounts && state && !newVersion && state.as_of === asOf && !lease.afterUnfinished ? [...new Set(opts.accounts)] : undefined;
  if (only && only.length > INCREMENTAL_SHARE * (await countAccounts(store))) only = undefined;
  const kind = !state ? 'backfill' : only ? 'incremental' : 'full';
  const summary = (accounts: number, changes: number, seq: RefreshSummary['seq']): RefreshSummary => ({
    kind, as_of: asOf, framework_version: version, new_version: newVersion, accounts, changes, seq, seconds: (Date.now() - started) / 1000,
  });
  if (only && only.length === 0) return summary(0, 0, null);

  // With the days of the funnel's history on which each account held the state-like milestone, so the funnel reads them too.
  const days = [...(await historyMonthEnds(store, asOf)), asOf];
  const report = await computeMilestones(store, framework, asOf, { ...(only ? { accounts: only } : {}), stateOn: days });
  const before = kind === 'backfill' ? new Map() : await readSnapshots(store, report.stages[0].name, only);
  const cause = kind === 'backfill' ? 'backfill' : newVersion ? 'framework' : 'data';
  const found = await diffReport(report, before);
  const changes: MilestoneChangeRow[] = found.map((c) => ({ ...c, framework_version: version, cause }));
  const held = report.state_on?.accounts;
  const rows = await mapSliced(report.accounts, (a) => statusRows(a, asOf, version, held ? days.filter((day) => held.get(day)!.has(a.account_id)) : null));
  // Without transactions rows land a table at a time: marked stale until the refresh's own checkpoint, so one cut short is never trusted.
  const wasStale = store.dialect.capabilities.transactions ? null : ((await store.checkpoint(STATUS_STALE_CHECKPOINT)) ?? 0);
  if (wasStale === 0) await markStatusesStale(store);
  const result = await store.applyStatusRefresh({
    replace: only ?? 'all',
    accounts: rows.map((r) => r.account),
    milestones: rows.flatMap((r) => r.milestones),
    changes,
    version: newVersion ? { version, hash, effective_day: asOf, config: canonicalFramework(framework), source: opts.fileText ?? null } : null,
    refresh: { id: lease.id, kind, as_of: asOf, framework_version: version, started_at: started },
    // A full refresh clears the mark; an incremental one puts back what was there.
    checkpoint: !only ? { name: STATUS_STALE_CHECKPOINT, value: 0 } : wasStale === null ? undefined : { name: STATUS_STALE_CHECKPOINT, value: wasStale },
  });
  return summary(report.accounts.length, changes.length, result.seq);
}

/** Every account's changes from its stored snapshot, in the order the feed keeps them: by day, then account. */
async function diffReport(report: MilestoneReport, before: Map<string, ReturnType<typeof snapshotOf>>): Promise<StatusChange[]> {
  const each = await mapSliced(report.accounts, (a) => statusChanges(a.account_id, report.stages, before.get(a.account_id) ?? null, snapshotOf(a), report.as_of, a.signup_day));
  return each.flat().sort((x, y) => (x.day < y.day ? -1 : x.day > y.day ? 1 : 0));
}

async function countAccounts(store: Store): Promise<number> {
  const [{ n }] = await store.query<{ n: string | number }>(sql`SELECT count(*) AS n FROM accounts`);
  return Number(n);
}

/** A report with where it came from: the materialized statuses (and their framework version), or computed now. */
export type SourcedReport = MilestoneReport & { source: 'materialized' | 'computed'; framework_version: number | null };

const isCurrent = (s: StatusState | null, framework: MilestonesConfig, asOf: Day): boolean =>
  s !== null && !s.stale && s.as_of === asOf && s.hash === frameworkHash(framework);

/** The last refresh, when its statuses are current for `asOf` and this framework (nothing written since); else null. */
export async function currentStatuses(store: Store, framework: MilestonesConfig, asOf: Day): Promise<StatusState | null> {
  const state = await statusState(store);
  return isCurrent(state, framework, asOf) ? state : null;
}

/**
 * The materialized statuses as of `asOf`, when they are current for that day and this
 * framework; else null. `refresh`: when they are not current and `asOf` is today, refresh
 * first (the day rolled over, or milestones.yaml changed), so the history records what
 * changed. A day other than today is never materialized. `details: false` leaves the
 * milestones' detail out, `stateDays: false` the funnel's history states (see StatusFilter).
 */
export async function materializedStatuses(
  store: Store,
  framework: MilestonesConfig,
  asOf: Day,
  opts: { accounts?: readonly string[]; refresh?: boolean; fileText?: string; details?: boolean; stateDays?: boolean } = {},
): Promise<SourcedReport | null> {
  const state = await currentOrRefreshed(store, framework, asOf, opts);
  if (!state) return null;
  const { accounts, state_on } = await readStatusRows(store, framework, { accounts: opts.accounts, details: opts.details, stateDays: opts.stateDays });
  return { as_of: asOf, stages: journeyStages(framework), accounts, ...(state_on ? { state_on } : {}), source: 'materialized', framework_version: state.framework_version };
}

/** {@link materializedStatuses} as the funnel reads them (readFunnelRows: far less to read); with the refresh's state. */
export async function materializedFunnelStatuses(
  store: Store,
  framework: MilestonesConfig,
  asOf: Day,
  opts: { refresh?: boolean; fileText?: string } = {},
): Promise<(FunnelStatuses & { source: 'materialized'; state: StatusState }) | null> {
  const state = await currentOrRefreshed(store, framework, asOf, opts);
  if (!state) return null;
  return { stages: journeyStages(framework), ...(await readFunnelRows(store, framework)), source: 'materialized', state };
}

/** The last refresh when current for `asOf` and this framework; first refreshed if asked and `asOf` is today. */
async function currentOrRefreshed(store: Store, framework: MilestonesConfig, asOf: Day, opts: { refresh?: boolean; fileText?: string }): Promise<StatusState | null> {
  const state = await statusState(store);
  if (!isCurrent(state, framework, asOf) && opts.refresh && asOf === today() && !(state && asOf < state.as_of)) {
    await refreshStatuses(store, framework, { asOf, fileText: opts.fileText });
    return currentStatuses(store, framework, asOf);
  }
  return isCurrent(state, framework, asOf) ? state : null;
}

/** The statuses as of `asOf`: materialized when current (see {@link materializedStatuses}), else computed now. */
export async function statusesAsOf(
  store: Store,
  framework: MilestonesConfig,
  asOf: Day,
  opts: { accounts?: readonly string[]; refresh?: boolean; fileText?: string } = {},
): Promise<SourcedReport> {
  const materialized = await materializedStatuses(store, framework, asOf, opts);
  if (materialized) return materialized;
  const computed = await computeMilestones(store, framework, asOf, opts.accounts ? { accounts: opts.accounts } : {});
  return { ...computed, source: 'computed', framework_version: null };
}
