/**
 * Where the API reads accounts' statuses and the funnel: through the milestones feature's
 * public functions only, never a cache of its own. Today they are computed per request; once
 * the feature materializes statuses (account_status, milestone_status), these two functions
 * call its readers and every route follows:
 *   readStatuses → statusesAsOf(store, framework, asOf, { accounts })
 *   readFunnel   → computeFunnel(store, framework, asOf, by, await materializedStatuses(...) ?? undefined)
 * An accounts page sorted by id and filtered by stage or plan only could then read just its
 * rows (readStatusRows with limit and offset) instead of every account.
 */
import { computeFunnel, computeMilestones, type Day, type Funnel, type FunnelBy, type MilestoneReport } from '../../milestones/index.js';
import type { ApiContext } from './api-context.js';

/** A report with where its statuses came from (the shape the feature's materialized reader returns). */
export type SourcedReport = MilestoneReport & { source: 'materialized' | 'computed'; framework_version: number | null };

/** Every account's status as of a day (or only `accounts`). */
export async function readStatuses(ctx: ApiContext, asOf: Day, accounts?: readonly string[]): Promise<SourcedReport> {
  const report = await computeMilestones(ctx.store, ctx.workspace().milestones, asOf, accounts ? { accounts } : {});
  return { ...report, source: 'computed', framework_version: null };
}

/** The funnel as of a day, by cohort, with where its statuses came from. */
export async function readFunnel(ctx: ApiContext, asOf: Day, by: FunnelBy): Promise<Funnel & { source: SourcedReport['source']; framework_version: number | null }> {
  const funnel = await computeFunnel(ctx.store, ctx.workspace().milestones, asOf, by);
  return { ...funnel, source: 'computed', framework_version: null };
}
