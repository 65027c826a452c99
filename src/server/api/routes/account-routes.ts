import { z } from 'zod';
import { SegmentExpressionError } from '../../../config/index.js';
import {
  accountProfile,
  accountsMatching,
  currentStatuses,
  daysBetween,
  journeyStages,
  lastActiveDays,
  lastActiveDaysOf,
  milestonesCsv,
  readStatusRows,
  recentEvents,
  segmentCondition,
  segmentMembers,
  statusKeys,
  statusPage,
  type AccountStatus,
  type Day,
  type StatusKey,
  type StatusKeyColumn,
  type StatusKeyFilter,
  type StatusState,
} from '../../../milestones/index.js';
import type { ApiContext } from '../api-context.js';
import { ApiError, BadParameter, route } from '../api-route.js';
import { asOf, name, wholeNumber, yesNo } from '../parameters.js';
import { materializedSource, readStatuses, sourceOf, withDetails } from '../statuses.js';

/** Sort keys besides milestone names (which sort by progress). */
const SORTS = ['account_id', 'stage', 'plan', 'seats', 'signup_day', 'age_days', 'last_active_day', 'next_milestone'] as const;

type Row = AccountStatus & { last_active_day: string | null };
/** An account with the value it sorts by. */
type Keyed = { account_id: string; value: string | number | null };

/** Nulls last whatever the order; ties by account id so pages never overlap. */
function byValue(desc: boolean): (a: Keyed, b: Keyed) => number {
  const sign = desc ? -1 : 1;
  return (a, b) => {
    const x = a.value;
    const y = b.value;
    if (x !== y) {
      if (x === null) return 1;
      if (y === null) return -1;
      return (x < y ? -1 : 1) * sign;
    }
    return a.account_id < b.account_id ? -1 : a.account_id > b.account_id ? 1 : 0;
  };
}

/** A status's value of a sort key: a stage by its place on the journey, a milestone by its progress. */
function valueOf(key: string, milestones: readonly string[], stageIndex: Map<string, number>): (r: Row) => string | number | null {
  if (milestones.includes(key)) return (r) => r.milestones[key].progress;
  if (key === 'stage') return (r) => stageIndex.get(r.stage) ?? -1;
  if (key === 'next_milestone') return (r) => r.next_best_step?.milestone ?? null;
  return (r) => r[key as keyof Row] as string | number | null;
}

const oneOf = (parameter: string, value: string, known: readonly string[], what: string): void => {
  if (!known.includes(value)) throw new BadParameter(parameter, 'query', `invalid query parameter ${parameter}: no ${what} ${JSON.stringify(value)}; ${what}s: ${known.join(', ') || 'none declared'}`);
};

const accountsQuery = z.strictObject({
  as_of: asOf,
  stage: name('only accounts at this journey stage (a stage name, see /api/v1/workspace)').optional(),
  milestone: name('with `reached`: only accounts that reached (or not) this milestone').optional(),
  reached: yesNo('with `milestone`: true for accounts that reached it, false for those that did not').optional(),
  plan: name('only accounts on this plan').optional(),
  signup_month: z
    .string()
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/, { error: 'expected a month YYYY-MM' })
    .describe('only accounts that signed up in this month (a signup cohort)')
    .optional(),
  segment: name('only the accounts of this segment of milestones.yaml').optional(),
  where: z.string().min(1).max(4096, { error: 'expected at most 4096 characters' }).describe("a segment expression, as in milestones.yaml: `stage = 'activated' and seats > 5`").optional(),
  churned: yesNo('true: churned accounts only; false: current customers only').optional(),
  q: z.string().max(200, { error: 'expected at most 200 characters' }).describe('only account ids containing this text').optional(),
  sort: name(`sort key: ${SORTS.join(', ')}, or a milestone name (its progress)`).default('account_id'),
  order: z.enum(['asc', 'desc'], { error: 'expected asc or desc' }).default('asc').describe('sort order; missing values come last either way'),
  limit: wholeNumber(1, 1000, 'accounts per page (1 to 1000, default 50)').default(50),
  offset: wholeNumber(0, 10_000_000, 'accounts to skip (default 0)').default(0),
  format: z.enum(['json', 'csv'], { error: 'expected json or csv' }).default('json').describe('csv: every matching account (no paging), the columns of `cairn segment NAME --format csv`'),
});

type AccountsQuery = z.output<typeof accountsQuery>;

/** A segment or `where` expression's errors are the parameter's. */
async function asParameter<T>(parameter: 'where' | 'segment', work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (!(err instanceof SegmentExpressionError)) throw err;
    throw new BadParameter(parameter, 'query', `invalid query parameter ${parameter}: ${err.message}`);
  }
}

/**
 * A page of the materialized statuses (current as `state` says), a segment and a `where`
 * expression written as SQL conditions: sorted, counted and paged in SQL by a column; else
 * every matching account's sort key read alone and sorted here. Then the page's own rows are
 * read in full.
 */
async function keyedPage(ctx: ApiContext, state: StatusState, day: Day, query: AccountsQuery, filter: StatusKeyFilter, stages: readonly string[]) {
  const fw = ctx.workspace().milestones;
  const { sort, q } = query;
  const desc = query.order === 'desc';
  const expressions = [
    ...(query.segment !== undefined ? [['segment', fw.segments[query.segment]] as const] : []),
    ...(query.where !== undefined ? [['where', query.where] as const] : []),
  ];
  const segments = await Promise.all(expressions.map(([parameter, text]) => asParameter(parameter, async () => segmentCondition(ctx.store.dialect, fw, text, day))));
  filter = { ...filter, segments };
  const byMilestone = Object.hasOwn(fw.milestones, sort);
  let total: number;
  let ids: string[];
  if (!byMilestone && sort !== 'last_active_day' && q === undefined) {
    // A column: sorted, counted and paged in SQL (the youngest first is the latest signup first).
    const column = (sort === 'age_days' ? 'signup_day' : sort) as StatusKeyColumn;
    ({ total, ids } = await statusPage(ctx.store, filter, { column, desc: sort === 'age_days' ? !desc : desc, stages }, query.limit, query.offset));
  } else {
    const key: StatusKey = byMilestone
      ? { milestone: sort }
      : sort === 'last_active_day'
        ? { last_active_day: true }
        : { column: (sort === 'age_days' ? 'signup_day' : sort) as StatusKeyColumn };
    let keyed: Keyed[] = await statusKeys(ctx.store, day, filter, key);
    if (q !== undefined) keyed = keyed.filter((k) => k.account_id.includes(q));
    const stageIndex = new Map(stages.map((s, i) => [s, i]));
    if (sort === 'stage') keyed = keyed.map((k) => ({ ...k, value: stageIndex.get(k.value as string) ?? -1 }));
    if (sort === 'age_days') keyed = keyed.map((k) => ({ ...k, value: daysBetween(k.value as string, day) }));
    keyed.sort(byValue(desc));
    total = keyed.length;
    ids = keyed.slice(query.offset, query.offset + query.limit).map((k) => k.account_id);
  }
  // The statuses are current (checked just before): the page's rows read as they are.
  const [rows, last] = await Promise.all([readStatusRows(ctx.store, fw, { accounts: ids, stateDays: false }), lastActiveDaysOf(ctx.store, day, ids)]);
  const byId = new Map(rows.accounts.map((a) => [a.account_id, a]));
  const page = ids.flatMap((id) => (byId.has(id) ? [{ ...byId.get(id)!, last_active_day: last.get(id) ?? null }] : []));
  return { as_of: day, ...materializedSource(state), total, offset: query.offset, limit: query.limit, accounts: page };
}

/** Accounts on the framework: a filtered, sorted page, or all of them as CSV; and one account in full. */
export const accountRoutes = (ctx: ApiContext) => [
  route({
    method: 'GET',
    path: '/accounts',
    tag: 'accounts',
    summary: 'Accounts with their stage, milestones and next best step: filter, sort, page, or export as CSV',
    query: accountsQuery,
    response: { description: '`{ as_of, total, offset, limit, accounts }`: `total` matching accounts, a page of them', csv: true },
    handler: async ({ query }, reply) => {
      const fw = ctx.workspace().milestones;
      const names = Object.keys(fw.milestones);
      const stages = journeyStages(fw);
      if (query.stage !== undefined) oneOf('stage', query.stage, stages.map((s) => s.name), 'stage');
      if (query.milestone !== undefined) oneOf('milestone', query.milestone, names, 'milestone');
      if (query.segment !== undefined) oneOf('segment', query.segment, Object.keys(fw.segments), 'segment');
      if ((query.reached === undefined) !== (query.milestone === undefined)) {
        const [given, missing] = query.reached === undefined ? ['milestone', 'reached'] : ['reached', 'milestone'];
        throw new BadParameter(missing, 'query', `invalid query parameter ${missing}: ${given} needs it (milestone=NAME&reached=true|false)`);
      }
      oneOf('sort', query.sort, [...SORTS, ...names], 'sort key');

      const day = query.as_of ?? ctx.defaultAsOf();
      const stageIndex = new Map(stages.map((s, i) => [s.name, i]));
      const desc = query.order === 'desc';
      const { stage, milestone, reached, plan, signup_month, churned, q } = query;
      const filter: StatusKeyFilter = { stage, plan, signup_month, churned, milestone: milestone === undefined ? undefined : { name: milestone, reached: reached! } };

      // Materialized: a page reads what sorts and counts it, then its own rows.
      const state = query.format === 'json' ? await currentStatuses(ctx.store, fw, day) : null;
      if (state) return keyedPage(ctx, state, day, query, filter, stages.map((s) => s.name));

      // Without the milestones' detail: neither filters, sorts nor the CSV read it; the page's rows get it below.
      const [report, last] = await Promise.all([readStatuses(ctx, day, { details: false }), lastActiveDays(ctx.store, day)]);
      let list = report.accounts;
      if (query.segment !== undefined) list = await segmentMembers(ctx.store, fw, query.segment, { ...report, accounts: list }, last);
      if (query.where !== undefined) {
        const where = query.where;
        list = await asParameter('where', () => accountsMatching(ctx.store, fw, where, { ...report, accounts: list }, last));
      }
      let rows: Row[] = list
        .filter(
          (a) =>
            (stage === undefined || a.stage === stage) &&
            (milestone === undefined || a.milestones[milestone].reached === reached) &&
            (plan === undefined || a.plan === plan) &&
            (signup_month === undefined || a.signup_day.startsWith(signup_month)) &&
            (churned === undefined || a.churned === churned) &&
            (q === undefined || a.account_id.includes(q)),
        )
        .map((a) => ({ ...a, last_active_day: last.get(a.account_id) ?? null }));
      if (query.sort !== 'account_id' || desc) {
        const value = valueOf(query.sort, names, stageIndex);
        const order = byValue(desc);
        rows = rows.map((r) => ({ r, k: { account_id: r.account_id, value: value(r) } })).sort((x, y) => order(x.k, y.k)).map((x) => x.r);
      }
      if (query.format === 'csv') {
        reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${query.segment ?? 'accounts'}-${day}.csv"`);
        return milestonesCsv(rows, names);
      }
      return {
        as_of: day,
        ...sourceOf(report),
        total: rows.length,
        offset: query.offset,
        limit: query.limit,
        accounts: await withDetails(ctx, report, rows.slice(query.offset, query.offset + query.limit)),
      };
    },
  }),
  route({
    method: 'GET',
    path: '/accounts/:id',
    tag: 'accounts',
    summary: 'One account: stage, milestones (what is done and missing), next best step and why, timeline, activity, last events',
    description: 'The same account as `cairn account ID --json`, with its last 100 events and its milestone history (`history`: every change a refresh recorded up to as_of, oldest first).',
    params: z.strictObject({ id: z.string().min(1).max(256, { error: 'expected at most 256 characters' }).describe('the account id') }),
    query: z.strictObject({ as_of: asOf }),
    handler: async ({ params, query }) => {
      const day = query.as_of ?? ctx.defaultAsOf();
      const fw = ctx.workspace().milestones;
      const report = await readStatuses(ctx, day, { accounts: [params.id] });
      const profile = await accountProfile(ctx.store, fw, params.id, day, report.accounts[0] ?? null);
      if (!profile) throw new ApiError(404, `no account ${JSON.stringify(params.id)} signed up by ${day}`);
      return { ...profile, ...sourceOf(report), stages: journeyStages(fw), events: await recentEvents(ctx.store, params.id, day) };
    },
  }),
];
