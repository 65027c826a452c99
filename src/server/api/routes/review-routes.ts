import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { frameworkHash, statusState } from '../../../milestones/index.js';
import { actionWords, cohortWords, frameworkWords, reviewFramework, type FrameworkReview } from '../../../review/index.js';
import type { ApiContext } from '../api-context.js';
import { route } from '../api-route.js';
import { keptAnswers } from '../kept-answers.js';
import { asOf, wholeNumber } from '../parameters.js';

/**
 * Reviews kept until the data or the framework changes: every write is followed by a status
 * refresh, so the last refresh names the data a review saw (nothing is kept while the
 * statuses are marked behind the data). Asked first after a refresh, the last review answers
 * (its generated_at says when) while the new one is made.
 */
const reviews = keptAnswers<ReviewAnswer>();

/** The review with the words the CLI and the reports use for it, so every face reads the same. */
export type ReviewAnswer = FrameworkReview & { words: { framework: string; cohorts: string[]; actions: Record<string, string> } };

/** The periodic review of the framework, as `cairn review --format json` gives it. */
export const reviewRoutes = (ctx: ApiContext) => [
  route({
    method: 'GET',
    path: '/review',
    tag: 'review',
    summary: 'The framework review: per milestone and signup cohort the lift in retention, drift (PSI), each cut re-estimated; the stage\'s AUC and calibration; a recommendation per milestone with its evidence and the proposed milestones.yaml diff',
    description:
      'The same review as `cairn review --format json`, on cohorts old enough to judge (younger ones are "not yet judged"). It takes seconds on large workspaces: it is kept until the next status refresh (which follows every write) or a new milestones.yaml; asked first after a refresh, the last review answers (see its `generated_at`) while the new one is made.',
    query: z.strictObject({
      as_of: asOf,
      cohorts: z.enum(['quarter', 'month'], { error: 'expected quarter or month' }).optional().describe('signup cohorts compared (default review.cohorts in cairn.yaml)'),
      recent: wholeNumber(1, 1000, 'how many of the latest judged cohorts are "recent" (default the later half)').optional(),
      seed: wholeNumber(1, 2 ** 31 - 1, 'bootstrap seed: the same data and seed give the same review (default 1)').default(1),
    }),
    response: { description: 'The review (see `cairn review --format json`), with `words`: the framework, the cohorts and each recommendation as the CLI and the reports say them' },
    handler: async ({ query }) => {
      const ws = ctx.workspace();
      const day = query.as_of ?? ctx.defaultAsOf();
      const cohorts = query.cohorts ?? ws.config.review.cohorts;
      const run = async (): Promise<ReviewAnswer> => {
        const review = await reviewFramework(ctx.store, {
          framework: ws.milestones,
          fileText: await readFile(ws.files.milestones, 'utf8').catch(() => undefined),
          config: { retention: ws.config.retention, review: { ...ws.config.review, cohorts } },
          asOf: day,
          recent: query.recent,
          seed: query.seed,
        });
        const actions = Object.fromEntries(review.milestones.map((m) => [m.milestone, actionWords(m.recommendation)]));
        return { ...review, words: { framework: frameworkWords(review), cohorts: cohortWords(review), actions } };
      };
      const state = await statusState(ctx.store);
      if (!state || state.stale) return run();
      return reviews(ctx, state.refreshed_at, JSON.stringify([day, cohorts, query.recent ?? null, query.seed, frameworkHash(ws.milestones)]), run);
    },
  }),
];
