import { z } from 'zod';
import { parseDay } from '../../milestones/index.js';

/** A UTC day `YYYY-MM-DD` that exists on the calendar. */
export const day = (description: string) =>
  z
    .string({ error: 'expected a day YYYY-MM-DD' })
    .refine((v) => parseDay(v) !== null, { error: 'expected a day YYYY-MM-DD that exists' })
    .describe(description);

export const asOf = day('judge as of this day, from data up to it (default: today, or the day the server was started with)').optional();

/** A whole number from a query string, within bounds. */
export const wholeNumber = (min: number, max: number, description: string) =>
  z
    .string({ error: `expected a whole number from ${min} to ${max}` })
    .regex(/^\d{1,9}$/, { error: `expected a whole number from ${min} to ${max}` })
    .transform(Number)
    .pipe(z.number().min(min, { error: `expected a whole number from ${min} to ${max}` }).max(max, { error: `expected a whole number from ${min} to ${max}` }))
    .describe(description);

export const yesNo = (description: string) =>
  z
    .enum(['true', 'false'], { error: 'expected true or false' })
    .transform((v) => v === 'true')
    .describe(description);

/** A name the framework defines (stage, milestone, segment): checked against it when the request runs. */
export const name = (description: string) => z.string({ error: 'expected a name' }).min(1, { error: 'expected a name' }).max(200, { error: 'expected at most 200 characters' }).describe(description);
