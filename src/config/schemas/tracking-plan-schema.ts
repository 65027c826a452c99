import { z } from 'zod';
import { keyedMap, nonEmptyString } from './primitives.js';

/** What the collector does with something the plan does not declare. */
export const dispositionSchema = z.enum(['accept', 'flag', 'quarantine']);

const metadataFieldSchema = z
  .strictObject({
    type: z.enum(['string', 'number', 'boolean', 'object', 'array']),
    required: z.boolean().default(false),
    enum: z.array(z.union([z.string(), z.number(), z.boolean()])).min(1).optional(),
    description: z.string().optional(),
  })
  .superRefine((field, ctx) => {
    if (field.enum === undefined) return;
    if (field.type === 'object' || field.type === 'array') {
      ctx.addIssue({ code: 'custom', path: ['enum'], message: `expected no enum on a field of type ${field.type}` });
      return;
    }
    field.enum.forEach((value, i) => {
      if (typeof value !== field.type) {
        ctx.addIssue({
          code: 'custom',
          path: ['enum', i],
          message: `expected a ${field.type} (the field's type), got ${JSON.stringify(value)}`,
        });
      }
    });
  });

/** One planned event; (action, object) pairs are unique within the plan (load-tracking-plan.ts). */
const plannedEventSchema = z.strictObject({
  action: nonEmptyString(),
  object: nonEmptyString(),
  /** Where the event may happen; any place when absent. */
  places: z.array(nonEmptyString()).min(1).optional(),
  description: z.string().optional(),
  owner: z.string().optional(),
  metadata: keyedMap(nonEmptyString(), metadataFieldSchema).default({}),
  /** Metadata keys not declared above: accepted unless the plan says otherwise. */
  unplanned_metadata: dispositionSchema.default('accept'),
  /** An event breaking what is declared above (place, required key, type, enum). */
  violations: dispositionSchema.default('quarantine'),
});

/** `tracking-plan.yaml`: the events the product is expected to send. */
export const trackingPlanSchema = z.strictObject({
  unplanned: dispositionSchema.default('flag'),
  events: z.array(plannedEventSchema),
});

export type TrackingPlan = z.output<typeof trackingPlanSchema>;
export type PlannedEvent = z.output<typeof plannedEventSchema>;
export type MetadataField = z.output<typeof metadataFieldSchema>;
export type Disposition = z.output<typeof dispositionSchema>;
