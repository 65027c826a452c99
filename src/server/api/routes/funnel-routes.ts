import { z } from 'zod';
import type { ApiContext } from '../api-context.js';
import { route } from '../api-route.js';
import { asOf } from '../parameters.js';
import { readFunnel } from '../statuses.js';

/** The base on the framework: now, month by month, by signup cohort or plan. */
export const funnelRoutes = (ctx: ApiContext) => [
  route({
    method: 'GET',
    path: '/funnel',
    tag: 'funnel',
    summary: 'Share of accounts at each stage and milestone, median days to each, the maturity headline, by cohort, and month-end history',
    description: 'The same figures as `cairn funnel --json`. Every share carries its Wilson 95% interval (`low`, `high`); medians a distribution-free 95% interval from the order statistics (`median_days_low`, `median_days_high`; null below 6 accounts, too few for 95%).',
    query: z.strictObject({
      as_of: asOf,
      by: z.enum(['all', 'signup_month', 'plan'], { error: 'expected all, signup_month or plan' }).default('all').describe('cohorts: all accounts, by signup month, or by plan'),
    }),
    response: { description: 'The funnel (see `cairn funnel --json`), with `source` and `framework_version` of the statuses it read' },
    handler: ({ query }) => readFunnel(ctx, query.as_of ?? ctx.defaultAsOf(), query.by),
  }),
];
