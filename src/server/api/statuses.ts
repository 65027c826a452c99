/**
 * Where the API reads accounts' statuses and the funnel: the materialized statuses
 * (account_status, milestone_status) when they are current for the day asked and the
 * framework in use, else computed now; every answer says which (`source`, the framework
 * version, when they were refreshed). The API never refreshes them itself: a read must not
 * write, and `cairn serve`'s refresher keeps them following the data (a few seconds behind).
 * Lists read them without the milestones' detail (most of a read's time) and fill it in for
 * the rows they return. The funnel from them (reading only what it needs) is computed once per refresh.
 */
import { computeFunnel, computeMilestones, currentStatuses, materializedFunnelStatuses, materializedStatuses, type AccountStatus, type Day, type Funnel, type FunnelBy, type SourcedReport, type StatusState } from '../../milestones/index.js';
import type { ApiContext } from './api-context.js';
import { keptAnswers } from './kept-answers.js';

/** Where a response's statuses came from, as every response that reads them says. */
export interface StatusesSource {
  source: SourcedReport['source'];
  framework_version: number | null;
  /** When the materialized statuses were last refreshed; null when computed now. */
  refreshed_at: string | null;
}

/** Statuses with when they were refreshed (null when computed now). */
export type StoredReport = SourcedReport & { refreshed_at: string | null };

export const sourceOf = (r: StoredReport): StatusesSource => ({ source: r.source, framework_version: r.framework_version, refreshed_at: r.refreshed_at });
/** Where statuses read from the store now (current as `state` says) came from. */
export const materializedSource = (state: StatusState): StatusesSource => ({ source: 'materialized', framework_version: state.framework_version, refreshed_at: state.refreshed_at });
const COMPUTED: StatusesSource = { source: 'computed', framework_version: null, refreshed_at: null };

/**
 * Every account's status as of a day (or only `accounts`). `details: false` leaves the
 * milestones' detail out when the statuses are materialized ({@link withDetails} fills it in
 * for the rows shown); computed ones always carry it.
 */
export async function readStatuses(ctx: ApiContext, asOf: Day, opts: { accounts?: readonly string[]; details?: boolean } = {}): Promise<StoredReport> {
  const fw = ctx.workspace().milestones;
  const state = await currentStatuses(ctx.store, fw, asOf);
  // The funnel's history states are for the funnel alone.
  const stored = state && (await materializedStatuses(ctx.store, fw, asOf, { ...opts, stateDays: false }));
  if (stored) return { ...stored, refreshed_at: state.refreshed_at };
  const computed = await computeMilestones(ctx.store, fw, asOf, opts.accounts ? { accounts: opts.accounts } : {});
  return { ...computed, ...COMPUTED };
}

/** The rows of a list read without details, with their milestones' detail (read for these accounts only). */
export async function withDetails<T extends AccountStatus>(ctx: ApiContext, report: StoredReport, rows: T[]): Promise<T[]> {
  if (report.source === 'computed' || rows.length === 0) return rows;
  // Computed for these rows if the statuses were refreshed away meanwhile.
  const full = await readStatuses(ctx, report.as_of, { accounts: rows.map((r) => r.account_id) });
  const byId = new Map(full.accounts.map((a) => [a.account_id, a.milestones]));
  return rows.map((r) => ({ ...r, milestones: byId.get(r.account_id) ?? r.milestones }));
}

type SourcedFunnel = Funnel & StatusesSource;

/** Funnels from the materialized statuses of the last refresh, by day and cohort: they change with the next refresh only. */
const funnels = keptAnswers<SourcedFunnel>();

/**
 * The funnel as of a day, by cohort, from the materialized statuses when current (computed
 * once per refresh and kept; asked first after a refresh, the last refresh's funnel while the
 * new one is computed), else from statuses computed now; with where they came from.
 */
export async function readFunnel(ctx: ApiContext, asOf: Day, by: FunnelBy): Promise<SourcedFunnel> {
  const fw = ctx.workspace().milestones;
  const state = await currentStatuses(ctx.store, fw, asOf);
  const compute = async (): Promise<SourcedFunnel> => {
    const stored = state && (await materializedFunnelStatuses(ctx.store, fw, asOf));
    const funnel = await computeFunnel(ctx.store, fw, asOf, by, stored ?? undefined);
    return { ...funnel, ...(stored ? materializedSource(stored.state) : COMPUTED) };
  };
  if (!state) return compute();
  return funnels(ctx, state.refreshed_at, `${asOf} ${by} ${state.hash}`, compute);
}
