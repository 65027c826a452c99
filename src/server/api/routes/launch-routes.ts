import { existsSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError, launchFile, loadLaunch, loadLaunches, type Launch, type Workspace } from '../../../config/index.js';
import { buildOutcomeReport, launchesPage, launchLedger } from '../../../outcomes/index.js';
import type { ApiContext } from '../api-context.js';
import { ApiError, route } from '../api-route.js';
import { asOf } from '../parameters.js';

/** A launch file that does not load is the workspace's problem, not a bug: 409 with where it is wrong. */
async function loaded<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof ConfigError) throw new ApiError(409, `the launch files do not load; fix them and ask again:\n${err.message}`);
    throw err;
  }
}

const milestonesOf = (ws: Workspace) => ({ milestones: Object.keys(ws.milestones.milestones) });

/**
 * Launches and their outcomes (issue 15), as `cairn launch due` and `cairn launch report` give
 * them. Reading a launch records its declaration when the file changed, as every launch
 * command does: that is how a promise made before launch is pre-registered.
 */
export const launchRoutes = (ctx: ApiContext) => [
  route({
    method: 'GET',
    path: '/launches',
    tag: 'launches',
    summary: 'Every launch of launches/: the outcome it promised, its checkpoints (overdue marked), the verdict and grade recorded at 1, 3, 6 and 12 months, anti-patterns, failed posts, its adoption funnel',
    description:
      'The checkpoints, flags and failed posts are those of `cairn launch due --json` on the same day; `horizons` lays the reports recorded (`cairn launch report`) out by checkpoint (30, 90, 180, 365 days); `funnel` is the adoption funnel a report on that day shows. A launch file that does not load is a 409 naming the file and line.',
    query: z.strictObject({ as_of: asOf }),
    response: { description: '`{ as_of, today, due, overdue, failed_shares, horizons, launches }`' },
    handler: async ({ query }) => {
      const ws = ctx.workspace();
      const day = query.as_of ?? ctx.defaultAsOf();
      const launches = await loaded(() => loadLaunches(ws.dir, milestonesOf(ws)));
      return { as_of: day, ...(await launchesPage(ctx.store, ws, launches, { today: day })) };
    },
  }),
  route({
    method: 'GET',
    path: '/launches/:name',
    tag: 'launches',
    summary: 'One launch: its row of the list, its ledger (declarations with their hashes, reports, posts) and the outcome report as of the day, not recorded',
    description:
      '`report` is `cairn launch report NAME --format json --at as_of --no-record`: the strongest design the data allow, graded, with every design beside it, placebo, power and the verdict; reports the team recorded are in `reports` and `ledger`.',
    params: z.strictObject({
      name: z
        .string({ error: 'expected a launch name' })
        .regex(/^[a-z][a-z0-9_]{0,99}$/, { error: 'expected a launch name: lowercase letters, digits and underscores, as launches/NAME.yaml' })
        .describe('the launch: launches/NAME.yaml'),
    }),
    query: z.strictObject({ as_of: asOf }),
    response: { description: '`{ as_of, launch, ledger, report }`: `launch` as in the list' },
    handler: async ({ params, query }) => {
      const ws = ctx.workspace();
      const day = query.as_of ?? ctx.defaultAsOf();
      const file = launchFile(ws.dir, params.name);
      if (!existsSync(file)) throw new ApiError(404, `no launch ${JSON.stringify(params.name)}: launches/${params.name}.yaml does not exist (\`cairn launch new ${params.name}\` writes it)`);
      const launch: Launch = await loaded(() => loadLaunch(file, milestonesOf(ws)));
      const report = await buildOutcomeReport(ctx.store, ws, launch, { at: day });
      // The report measured the same funnel the list shows: not counted twice.
      const page = await launchesPage(ctx.store, ws, [launch], { today: day, funnels: false });
      return { as_of: day, launch: { ...page.launches[0], funnel: report.funnel }, ledger: await launchLedger(ctx.store, launch.name), report };
    },
  }),
];
