import { z } from 'zod';
import { currentStatuses, lastActiveDays, segmentCondition, segmentMembers, statusCount } from '../../../milestones/index.js';
import type { ApiContext } from '../api-context.js';
import { route } from '../api-route.js';
import { asOf } from '../parameters.js';
import { materializedSource, readStatuses, sourceOf } from '../statuses.js';

/** The saved segments of milestones.yaml with how many accounts each holds: counted in SQL when the statuses are materialized. */
export const segmentRoutes = (ctx: ApiContext) => [
  route({
    method: 'GET',
    path: '/segments',
    tag: 'segments',
    summary: 'The segments declared in milestones.yaml, with their expression and how many accounts each holds',
    description: 'Members: `GET /api/v1/accounts?segment=NAME` (CSV with `format=csv`, as `cairn segment NAME --format csv`).',
    query: z.strictObject({ as_of: asOf }),
    handler: async ({ query }) => {
      const day = query.as_of ?? ctx.defaultAsOf();
      const fw = ctx.workspace().milestones;
      const declared = Object.entries(fw.segments);
      const state = await currentStatuses(ctx.store, fw, day);
      if (state) {
        const counts = await Promise.all(declared.map(([, text]) => statusCount(ctx.store, { segments: [segmentCondition(ctx.store.dialect, fw, text, day)] })));
        return { as_of: day, ...materializedSource(state), accounts: await statusCount(ctx.store, {}), segments: declared.map(([name, expression], i) => ({ name, expression, accounts: counts[i] })) };
      }
      const [report, last] = await Promise.all([readStatuses(ctx, day, { details: false }), lastActiveDays(ctx.store, day)]);
      const segments = [];
      for (const [name, expression] of declared) {
        segments.push({ name, expression, accounts: (await segmentMembers(ctx.store, fw, name, report, last)).length });
      }
      return { as_of: day, ...sourceOf(report), accounts: report.accounts.length, segments };
    },
  }),
];
