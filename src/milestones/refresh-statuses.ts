import type { MilestonesConfig } from '../config/index.js';
import { NO_WRITE, sql, type AccountStatusRow, type MilestoneChangeRow, type StatusRefreshLease, type Store } from '../store/index.js';
import { asDay, toDay } from './days.js';
import { computeMilestones, StatusAdvancer, type AccountStatus, type MilestoneReport } from './engine.js';
import type { EventTally } from './event-tally.js';
import { historyMonthEnds, type FunnelStatuses } from './funnel.js';
import { canonicalFramework, currentFrameworkVersion, frameworkHash } from './framework-version.js';
import { mapSliced } from './sliced.js';
import { journeyStages } from './stages.js';
import { statusChanges, type StatusChange, type StatusSnapshot } from './status-changes.js';
import { judgedChange, segmentReads } from './segment-reads.js';
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
  /**
   * Events counted as they were written since the refresh that left `basis` (a refresher
   * following a collector). `take` is called once the refresh holds its lease: it holds back
   * new writes and hands over what was counted until then. The refresh releases the writes
   * once it has read the data it computes from, so no write is both counted and read; when it
   * reads none, the caller releases them when done (its writes then wait behind none of
   * theirs). When the statuses are still the basis's, accounts whose counts fall on the as-of
   * day are advanced from it without reading their history, and only `accounts` and those a
   * kind cannot advance are computed from the data; otherwise the tally's accounts join
   * `accounts`.
   */
  counted?: { basis: StatusBasis | null; take(): Promise<{ tally: EventTally; release(): void }> };
}

/**
 * What a refresh leaves for the next counted one: the statuses it wrote with the values they
 * came from. In memory, kept by the refresher between its refreshes.
 */
export interface StatusBasis {
  /** The refresh that wrote the statuses (its id in status_refreshes). */
  refresh: number;
  as_of: Day;
  framework_version: number;
  /** The funnel's history days each account's `held` was taken over. */
  days: readonly Day[];
  /** Every account with statuses is in it (an account not in it has none: not signed up by the as-of day, or no facts). */
  complete: boolean;
  accounts: Map<string, { status: AccountStatus; cells: readonly string[]; held: readonly Day[] | null }>;
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
  /** Accounts advanced by counted events, without reading their history. */
  counted: number;
  /**
   * Accounts whose segment memberships this refresh may have changed, null for every account:
   * those segments judge again. Of the accounts advanced by counts, those where a field the
   * framework's segments read (the stage, a milestone's reached, day or progress) changed.
   */
  changed: string[] | null;
  /** For the next counted refresh (when given `counted`). */
  basis?: StatusBasis;
}

export const today = (): Day => toDay(Date.now());

/** The last refresh: its day, version and whether data has been written since without a refresh. */
export interface StatusState {
  /** The last refresh's id. */
  id: number;
  as_of: Day;
  framework_version: number;
  hash: string;
  refreshed_at: string;
  stale: boolean;
}

export async function statusState(store: Store): Promise<StatusState | null> {
  const d = store.dialect;
  const [last] = await store.query<{ id: number | string; as_of: string; framework_version: number | string; finished_at: string; hash: string }>(
    sql`SELECT r.id, ${d.dayText(sql`r.as_of`)} AS as_of, r.framework_version, ${d.epochMs(sql`r.finished_at`)} AS finished_at, v.hash
      FROM status_refreshes r JOIN framework_versions v ON v.version = r.framework_version ORDER BY r.id DESC LIMIT 1`,
  );
  if (!last) return null;
  const stale = Number((await store.checkpoint(STATUS_STALE_CHECKPOINT)) ?? 0) !== 0;
  return { id: Number(last.id), as_of: asDay(last.as_of)!, framework_version: Number(last.framework_version), hash: last.hash, refreshed_at: new Date(Number(last.finished_at)).toISOString(), stale };
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
  return store.withStatusRefresh(async (lease) => {
    const taken = opts.counted ? await opts.counted.take() : null;
    return refreshUnder(lease, store, framework, opts, taken && { ...taken, basis: opts.counted!.basis });
  });
}

type Counted = { basis: StatusBasis | null; tally: EventTally; release(): void };

async function refreshUnder(lease: StatusRefreshLease, store: Store, framework: MilestonesConfig, opts: RefreshOptions, counted: Counted | null): Promise<RefreshSummary> {
  const started = Date.now();
  const asOf = opts.asOf ?? today();
  const state = await statusState(store);
  if (state && asOf < state.as_of) throw new Error(`invalid as-of: ${asOf} (statuses are as of ${state.as_of}; a refresh never goes back)`);
  const current = await currentFrameworkVersion(store);
  const hash = frameworkHash(framework);
  const newVersion = !current || current.hash !== hash;
  const version = newVersion ? (current?.version ?? 0) + 1 : current.version;

  // With the days of the funnel's history on which each account held the state-like milestone, so the funnel reads them too.
  const days = [...(await historyMonthEnds(store, asOf)), asOf];
  const basis = counted?.basis;
  const countable =
    basis && state && !newVersion && !state.stale && !lease.afterUnfinished && state.id === basis.refresh && state.as_of === asOf && basis.as_of === asOf && sameDays(basis.days, days);
  const asked = opts.accounts && counted && !countable ? [...opts.accounts, ...counted.tally.accounts.keys(), ...counted.tally.unsure] : opts.accounts;
  let only = asked && state && !newVersion && state.as_of === asOf && !lease.afterUnfinished ? [...new Set(asked)] : undefined;
  if (only && !countable && only.length > INCREMENTAL_SHARE * (await countAccounts(store))) only = undefined;
  const kind = !state ? 'backfill' : only ? 'incremental' : 'full';

  // Counted accounts on the as-of day advance from the basis; the rest are computed from the data.
  const { advanced, counted: countedAccounts, compute } = countable && only ? advanceCounted(framework, asOf, days, basis, counted.tally, only) : { advanced: new Map<string, Advanced>(), counted: 0, compute: only };
  only = compute;
  const summary = (accounts: number, changes: number, seq: RefreshSummary['seq'], changed: string[] | null, next?: StatusBasis): RefreshSummary => ({
    kind, as_of: asOf, framework_version: version, new_version: newVersion, accounts, changes, seq, seconds: (Date.now() - started) / 1000,
    counted: countedAccounts, changed, ...(next ? { basis: next } : {}),
  });
  if (only && only.length === 0 && advanced.size === 0) return summary(0, 0, null, [], countable ? basis : undefined);

  let report: MilestoneReport = { as_of: asOf, stages: journeyStages(framework), accounts: [] };
  if (only?.length !== 0) {
    try {
      report = await computeMilestones(store, framework, asOf, { ...(only ? { accounts: only } : {}), stateOn: days, cells: counted !== null });
    } finally {
      counted?.release();
    }
  }
  const held = report.state_on?.accounts;
  const heldBy = (id: string) => (held ? days.filter((day) => held.get(day)!.has(id)) : null);
  const statuses = [...report.accounts, ...[...advanced.values()].map((a) => a.status)];
  // The accounts' statuses before: the basis's where it has them, else as the feed left them.
  const fromFeed = kind !== 'backfill' && report.accounts.some((a) => !countable || !basis.accounts.has(a.account_id));
  const read = fromFeed ? await readSnapshots(store, report.stages[0].name, only) : new Map<string, StatusSnapshot>();
  const before = (id: string) => {
    const was = countable ? basis.accounts.get(id) : undefined;
    return read.get(id) ?? (was ? snapshotOf(was.status) : null);
  };
  const cause = kind === 'backfill' ? 'backfill' : newVersion ? 'framework' : 'data';
  const found = await diffStatuses(statuses, report.stages, before, asOf);
  const changes: MilestoneChangeRow[] = found.map((c) => ({ ...c, framework_version: version, cause }));
  const rows = await mapSliced(report.accounts, (a) => statusRows(a, asOf, version, heldBy(a.account_id)));
  // An advanced account's row is rewritten when it changed (its stage, next step, state days); its changed milestones' rows always.
  const advancedRows = [...advanced].map(([id, a]) => {
    const row = statusRows(a.status, asOf, version, a.held, new Set(a.changed));
    const was = basis!.accounts.get(id)!;
    return { ...row, account: sameAccountRow(row.account, statusRows(was.status, asOf, version, was.held, NO_MILESTONES).account) ? null : row.account };
  });
  // Without transactions rows land a table at a time: marked stale until the refresh's own checkpoint, so one cut short is never trusted.
  const wasStale = store.dialect.capabilities.transactions ? null : ((await store.checkpoint(STATUS_STALE_CHECKPOINT)) ?? 0);
  if (wasStale === 0) await markStatusesStale(store);
  const movedAccounts = advancedRows.flatMap((r) => (r.account ? [r.account] : []));
  const result = await store.applyStatusRefresh({
    replace: only ? [...only, ...movedAccounts.map((a) => a.account_id)] : 'all',
    accounts: [...rows.map((r) => r.account), ...movedAccounts],
    milestones: [...rows, ...advancedRows].flatMap((r) => r.milestones),
    changes,
    version: newVersion ? { version, hash, effective_day: asOf, config: canonicalFramework(framework), source: opts.fileText ?? null } : null,
    refresh: { id: lease.id, kind, as_of: asOf, framework_version: version, started_at: started },
    // A full refresh clears the mark; an incremental one puts back what was there.
    checkpoint: !only ? { name: STATUS_STALE_CHECKPOINT, value: 0 } : wasStale === null ? undefined : { name: STATUS_STALE_CHECKPOINT, value: wasStale },
  });
  let next: StatusBasis | undefined;
  if (counted) {
    // The basis goes on with this refresh's statuses: built anew when every account was computed.
    const accounts = countable ? basis.accounts : new Map<string, BasisEntry>();
    if (countable && only) for (const id of only) accounts.delete(id);
    for (const a of report.accounts) accounts.set(a.account_id, { status: a, cells: report.cells!.get(a.account_id)!, held: heldBy(a.account_id) });
    for (const [id, a] of advanced) accounts.set(id, { status: a.status, cells: a.cells, held: a.held });
    next = { refresh: lease.id, as_of: asOf, framework_version: version, days, accounts, complete: countable ? basis.complete : !only };
  }
  const changed = only ? [...only, ...[...advanced].flatMap(([id, a]) => (a.judged ? [id] : []))] : null;
  return summary(report.accounts.length + countedAccounts, changes.length, result.seq, changed, next);
}

type BasisEntry = StatusBasis['accounts'] extends Map<string, infer E> ? E : never;

/** An account advanced by counts: its new basis entry, the milestones that changed, and whether segments must judge it again. */
type Advanced = BasisEntry & { changed: string[]; judged: boolean };

/**
 * Advances the tally's accounts from the basis; those it cannot (events on another day, a kind
 * that needs history, no basis entry while the basis is incomplete) join `compute`, the
 * accounts to compute from the data.
 */
function advanceCounted(framework: MilestonesConfig, asOf: Day, days: readonly Day[], basis: StatusBasis, tally: EventTally, only: readonly string[]) {
  const advancer = new StatusAdvancer(framework, asOf);
  const reads = segmentReads(framework);
  const compute = new Set([...only, ...tally.unsure]);
  const advanced = new Map<string, Advanced>();
  let counted = 0;
  for (const [id, c] of tally.accounts) {
    if (compute.has(id) || c.day > asOf) continue; // events after the as-of day are not in its statuses
    const was = basis.accounts.get(id);
    if (!was && basis.complete) continue; // no statuses (not signed up, or no facts): events alone give none
    const moved = was && c.day === asOf ? advancer.advance(was.status, was.cells, c.counts) : null;
    if (!moved) {
      compute.add(id);
      continue;
    }
    counted++;
    if (moved.changed.length === 0) continue;
    const held = heldAfter(days, asOf, was!.held, advancer.inState(moved.status));
    advanced.set(id, { ...moved, held, judged: judgedChange(reads, was!.status, moved.status, moved.changed) });
  }
  return { advanced, counted, compute: [...compute] };
}

const NO_MILESTONES: ReadonlySet<string> = new Set();

const sameAccountRow = (a: AccountStatusRow, b: AccountStatusRow): boolean =>
  (Object.keys(a) as (keyof AccountStatusRow)[]).every((k) => a[k] === b[k]);

const sameDays = (a: readonly Day[], b: readonly Day[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/** The history days an account holds the state on: as before, with the as-of day as it is now. */
function heldAfter(days: readonly Day[], asOf: Day, before: readonly Day[] | null, now: boolean | null): readonly Day[] | null {
  if (before === null || now === null) return null;
  if (before.includes(asOf) === now) return before;
  const was = new Set(before);
  return days.filter((day) => (day === asOf ? now : was.has(day)));
}

/** The accounts' changes from their snapshots before, in the order the feed keeps them: by day, then account. */
async function diffStatuses(statuses: readonly AccountStatus[], stages: MilestoneReport['stages'], before: (id: string) => StatusSnapshot | null, asOf: Day): Promise<StatusChange[]> {
  const each = await mapSliced(statuses, (a) => statusChanges(a.account_id, stages, before(a.account_id), snapshotOf(a), asOf, a.signup_day));
  const order = (x: StatusChange, y: StatusChange) => (x.day !== y.day ? (x.day < y.day ? -1 : 1) : x.account_id < y.account_id ? -1 : x.account_id > y.account_id ? 1 : 0);
  return each.flat().sort(order);
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
