import { z } from 'zod';
import { keyedMap, nonEmptyString } from './primitives.js';

/**
 * Which events a milestone counts: an (action, object) pair, optionally narrowed to a place
 * and to metadata values, e.g. `{ action: closed, object: conversation, metadata: { state: resolved } }`.
 */
export const matcherSchema = z.strictObject({
  action: nonEmptyString(),
  object: nonEmptyString(),
  place: nonEmptyString().optional(),
  metadata: keyedMap(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
});

export type Matcher = z.output<typeof matcherSchema>;
