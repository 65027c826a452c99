import { z } from 'zod';
import { matcherSchema } from './matcher-schema.js';
import { keyedMap, name, nonEmptyString, positiveInt, positiveNumber } from './primitives.js';

/** Keys every milestone may carry, whatever its kind. */
const common = {
  label: z.string().optional(),
  description: z.string().optional(),
  /** Milestones reached before this one; they order the journey (checked in check-milestone-graph.ts). */
  requires: z.array(name('a milestone name')).default([]),
};

const stepSchema = z.strictObject({
  id: name('a step id'),
  label: z.string().optional(),
  when: matcherSchema,
});

/** All steps done, or at least `at_least` of them. */
const checklistSchema = z
  .strictObject({
    kind: z.literal('checklist'),
    ...common,
    steps: z.array(stepSchema).min(1),
    at_least: positiveInt().optional(),
  })
  .superRefine((m, ctx) => {
    const seen = new Set<string>();
    m.steps.forEach((step, i) => {
      if (seen.has(step.id)) {
        ctx.addIssue({ code: 'custom', path: ['steps', i, 'id'], message: `duplicate step id '${step.id}'` });
      }
      seen.add(step.id);
    });
    if (m.at_least !== undefined && m.at_least > m.steps.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['at_least'],
        message: `expected at most ${m.steps.length} (the number of steps), got ${m.at_least}`,
      });
    }
  });

/** At least `at_least` matching events within `within_days` of signup. */
const thresholdSchema = z.strictObject({
  kind: z.literal('threshold'),
  ...common,
  count: matcherSchema,
  within_days: positiveInt(),
  at_least: positiveInt(),
});

/** Matching events per month divided by the seats held that month. */
const perSeatSchema = z.strictObject({
  kind: z.literal('per_seat'),
  ...common,
  count: matcherSchema,
  per_month_per_seat_at_least: positiveNumber(),
  period: z.enum(['calendar_month', 'rolling_30d']).default('calendar_month'),
});

const categorySchema = z
  .strictObject({
    label: z.string().optional(),
    basic: z.array(matcherSchema),
    mature: z.array(matcherSchema).min(1),
    /** How many distinct mature features make the category mature. */
    mature_at_least: positiveInt().default(1),
  })
  .superRefine((c, ctx) => {
    if (c.mature_at_least > c.mature.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['mature_at_least'],
        message: `expected at most ${c.mature.length} (the number of mature features), got ${c.mature_at_least}`,
      });
    }
  });

/** Mature use in at least `mature_in_at_least` categories within the last `window_days`. */
const categoriesSchema = z
  .strictObject({
    kind: z.literal('categories'),
    ...common,
    window_days: positiveInt(),
    categories: keyedMap(name('a category name'), categorySchema),
    mature_in_at_least: positiveInt(),
  })
  .superRefine((m, ctx) => {
    // With a problem inside a category, zod hands the keyed map over as the Map it was read into.
    const categories: unknown = m.categories;
    const n = categories instanceof Map ? categories.size : Object.keys(m.categories).length;
    if (m.mature_in_at_least > n) {
      ctx.addIssue({
        code: 'custom',
        path: ['mature_in_at_least'],
        message: `expected at most ${n} (the number of categories), got ${m.mature_in_at_least}`,
      });
    }
  });

export const milestoneSchema = z.discriminatedUnion('kind', [
  checklistSchema,
  thresholdSchema,
  perSeatSchema,
  categoriesSchema,
]);

/** A journey stage; an account enters it on reaching `milestone`. The first stage has none. */
const stageSchema = z.strictObject({
  name: name('a stage name'),
  label: z.string().optional(),
  milestone: name('a milestone name').optional(),
});

const stagesSchema = z.array(stageSchema).min(1).superRefine((stages, ctx) => {
  const seen = new Set<string>();
  stages.forEach((stage, i) => {
    if (seen.has(stage.name)) {
      ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate stage name '${stage.name}'` });
    }
    seen.add(stage.name);
    if (i === 0 && stage.milestone !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: [0, 'milestone'],
        message: 'expected no milestone on the first stage: every account starts there',
      });
    }
    if (i > 0 && stage.milestone === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: [i, 'milestone'],
        message: `missing required key 'milestone' (the milestone that enters stage '${stage.name}')`,
      });
    }
  });
});

/** `milestones.yaml`: the framework every account is tracked against. */
export const milestonesConfigSchema = z.strictObject({
  milestones: keyedMap(name('a milestone name'), milestoneSchema),
  /** Named account filters; expressions are checked by check-segments.ts and evaluated by src/milestones/. */
  segments: keyedMap(name('a segment name'), nonEmptyString()).default({}),
  stages: stagesSchema.optional(),
});

export type MilestonesConfig = z.output<typeof milestonesConfigSchema>;
export type Milestone = z.output<typeof milestoneSchema>;
export type MilestoneKind = Milestone['kind'];
export type ChecklistMilestone = z.output<typeof checklistSchema>;
export type ThresholdMilestone = z.output<typeof thresholdSchema>;
export type PerSeatMilestone = z.output<typeof perSeatSchema>;
export type CategoriesMilestone = z.output<typeof categoriesSchema>;
export type MaturityCategory = z.output<typeof categorySchema>;
export type Stage = z.output<typeof stageSchema>;
