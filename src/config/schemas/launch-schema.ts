import { z } from 'zod';
import { matcherSchema } from './matcher-schema.js';
import { expected, name, nonEmptyString, positiveInt, positiveNumber } from './primitives.js';

const DAY = /^\d{4}-\d{2}-\d{2}$/;
/** A calendar day written YYYY-MM-DD (YAML 1.2 keeps it a string). */
export const daySchema = () =>
  z
    .string({ error: expected('a date as YYYY-MM-DD') })
    .regex(DAY, { error: expected('a date as YYYY-MM-DD') })
    .refine((s) => new Date(`${s}T00:00:00Z`).toISOString().slice(0, 10) === s, { error: expected('a real calendar date') });

/**
 * What a launch measures, per account from the day it is exposed (the launch day, or its signup
 * when later): `retention` still a customer `days` later (not churned: the discovery's
 * still_customer label); `count` events matching `when` within `within_days`; `milestone`
 * reached within `within_days` (of accounts that had not reached it); `mrr` the account's MRR
 * `days` later (account history); `signups` new accounts per week (a series, not per account).
 */
const retentionMetric = z.strictObject({ kind: z.literal('retention'), days: positiveInt() });
const countMetric = z.strictObject({ kind: z.literal('count'), when: matcherSchema, within_days: positiveInt() });
const milestoneMetric = z.strictObject({ kind: z.literal('milestone'), name: name('a milestone name'), within_days: positiveInt() });
const mrrMetric = z.strictObject({ kind: z.literal('mrr'), days: positiveInt() });
const signupsMetric = z.strictObject({ kind: z.literal('signups') });

const outcomeMetricSchema = z.discriminatedUnion('kind', [retentionMetric, countMetric, milestoneMetric]);
const impactMetricSchema = z.discriminatedUnion('kind', [retentionMetric, countMetric, milestoneMetric, mrrMetric, signupsMetric]);

/** How far the metric should move: `absolute` in its own units, or `relative` to the control (0.1 = 10%). */
const targetSchema = z
  .strictObject({ absolute: positiveNumber().optional(), relative: positiveNumber().optional() })
  .superRefine((t, ctx) => {
    if ((t.absolute === undefined) === (t.relative === undefined)) {
      ctx.addIssue({ code: 'custom', path: [], message: 'expected exactly one of absolute or relative, e.g. { relative: 0.1 } for +10%' });
    }
  });

const expectation = <M extends z.ZodType>(metric: M) =>
  z.strictObject({
    metric,
    direction: z.enum(['increase', 'decrease']),
    target: targetSchema,
    rationale: z.string().optional(),
  });

const matchers = () => z.array(matcherSchema).min(1);

/** Which events mean each step of the feature's adoption funnel. */
const eventsSchema = z.strictObject({
  awareness: matchers().optional(),
  intent: matchers().optional(),
  /** The first real use; the funnel's later steps reuse these events unless given their own. */
  activation: matchers(),
  adoption: matchers().optional(),
  engagement: matchers().optional(),
});

/** When an account counts as having adopted, and as engaged. */
const funnelSchema = z.strictObject({
  /** Adopted: used in at least this many distinct weeks since launch. */
  adoption_weeks: positiveInt().default(2),
  /** Engaged: adopted, and used on at least `engagement_days` days in the last `engagement_window_days`. */
  engagement_days: positiveInt().default(4),
  engagement_window_days: positiveInt().default(28),
});

const holdoutSchema = z.strictObject({
  /** Accounts kept without the feature, as a segment expression (e.g. `bucket < 10`). */
  segment: nonEmptyString(),
  /** True only when accounts were assigned at random (a hash bucket is random). */
  randomized: z.boolean(),
});

const shareSchema = z
  .strictObject({
    slack: z
      .strictObject({
        /** The environment variable that holds the incoming-webhook URL. */
        webhook_env: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, { error: expected('an environment variable name such as CAIRN_SLACK_WEBHOOK') }).optional(),
        /** A file (mode 0600) under the workspace's .cairn/ holding the URL. */
        webhook_file: nonEmptyString().optional(),
      })
      .superRefine((s, ctx) => {
        if ((s.webhook_env === undefined) === (s.webhook_file === undefined)) {
          ctx.addIssue({ code: 'custom', path: [], message: 'expected exactly one of webhook_env or webhook_file (webhook URLs are secrets: never write one here)' });
        }
      })
      .optional(),
    /** Where the full report will be found; `{launch}` and `{at}` are filled in. */
    report_url: z.url({ protocol: /^https?$/, error: expected('an http(s) URL') }).optional(),
  })
  .default({});

const actionSchema = z.strictObject({
  action: nonEmptyString(),
  owner: z.string().optional(),
  due: daySchema().optional(),
  done: z.boolean().default(false),
});

/** `launches/NAME.yaml`: what a launch promised before it was built, and what was decided after. */
export const launchSchema = z
  .strictObject({
    problem: nonEmptyString(),
    owner: nonEmptyString(),
    size: z.enum(['small', 'big']),
    /** Absent while the launch is planned. */
    launched_at: daySchema().optional(),
    /** Which accounts get the feature, as a segment expression; every account when absent. */
    audience: nonEmptyString().optional(),
    outcome: expectation(outcomeMetricSchema).optional(),
    impact: z
      .strictObject({
        acquisition: expectation(impactMetricSchema).optional(),
        expansion: expectation(impactMetricSchema).optional(),
        retention: expectation(impactMetricSchema).optional(),
        revenue: expectation(impactMetricSchema).optional(),
      })
      .default({}),
    events: eventsSchema.optional(),
    funnel: funnelSchema.prefault({}),
    holdout: holdoutSchema.optional(),
    /** Days after launch at which an outcome report is due; by size when absent. */
    checkpoints: z
      .array(positiveInt())
      .min(1)
      .superRefine((days, ctx) => {
        days.forEach((c, i) => {
          if (i > 0 && c <= days[i - 1]) ctx.addIssue({ code: 'custom', path: [i], message: `expected days in increasing order, got ${c} after ${days[i - 1]}` });
        });
      })
      .optional(),
    share: shareSchema,
    decisions: z.array(nonEmptyString()).default([]),
    actions: z.array(actionSchema).default([]),
  })
  .transform((l) => ({ ...l, checkpoints: l.checkpoints ?? (l.size === 'big' ? [30, 90, 180, 365] : [30]) }));

export type LaunchConfig = z.output<typeof launchSchema>;
export type OutcomeMetric = z.output<typeof impactMetricSchema>;
export type Expectation = NonNullable<LaunchConfig['outcome']> | NonNullable<LaunchConfig['impact'][keyof LaunchConfig['impact']]>;
export type LaunchEvents = z.output<typeof eventsSchema>;
export type ImpactKind = keyof LaunchConfig['impact'];
export const IMPACT_KINDS: readonly ImpactKind[] = ['acquisition', 'expansion', 'retention', 'revenue'];

/**
 * The fields a launch's audience and holdout may test, as of the day an account is exposed
 * (the launch day, or its signup when later). `bucket` is a stable 0–99 hash of the launch and
 * the account, so `bucket < 10` keeps a random tenth as a holdout.
 */
export const LAUNCH_SEGMENT_FIELDS = {
  account_id: 'string',
  plan: 'string',
  seats: 'number',
  age_days: 'number',
  signup_day: 'date',
  bucket: 'number',
} as const;
