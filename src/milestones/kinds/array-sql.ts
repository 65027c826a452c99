import { ident, sql, type Ident, type SqlFragment } from '../../store/index.js';
import type { ArrayDef } from '../types.js';

/**
 * Small pieces of ClickHouse array SQL the milestone kinds share (the `arrays` idiom of
 * `MilestoneQuery`). ClickHouse's array functions return a type's default (0, 1970-01-01) where
 * DuckDB's aggregates return NULL; these keep the NULLs, so both engines read alike.
 */

/** Matcher `m`'s part of an activity array (`days` or `ns`), in day order: the rows are sorted by matcher first. */
export const matcherSlice = (list: 'days' | 'ns', m: number): SqlFragment => sql`arraySlice(${ident(list)}, indexOf(ms, ${m}), countEqual(ms, ${m}))`;

/** Whether `x` is one of `ids`: a hash lookup (has() over a constant array scans it for every element). */
export const isIn = (x: SqlFragment, ids: readonly number[]): SqlFragment =>
  ids.length ? sql`(transform(${x}, ${ids}, ${ids.map(() => 1)}, ${0}) = 1)` : sql`0`;

/** The largest element, NULL when empty. */
export const maxOf = (values: SqlFragment): SqlFragment => sql`if(empty(${values}), NULL, arrayReduce('max', ${values}))`;

/** The first day whose running sum of `counts` (same order) reaches `threshold`, NULL when none does. */
export const dayRunningSumReaches = (days: SqlFragment, counts: SqlFragment, threshold: SqlFragment): SqlFragment =>
  sql`if(arrayExists(c -> c >= ${threshold}, arrayCumSum(${counts})), arrayFirst((d, c) -> c >= ${threshold}, ${days}, arrayCumSum(${counts})), NULL)`;

/**
 * Seats in effect on day `on` from the account's history (`hist`: (valid_from, day, seats)
 * tuples sorted by valid_from, rows without seats left out): the last row on or before it,
 * else NULL.
 */
export const historySeatsOn = (on: SqlFragment): SqlFragment =>
  sql`if(arrayExists(t -> tupleElement(t, 2) <= ${on}, hist), tupleElement(arrayElement(arrayFilter(t -> tupleElement(t, 2) <= ${on}, hist), -1), 3), NULL)`;

/** Each element's successor in the array, `last` after the last one (empty for an empty array). */
export const arrayNext = (values: SqlFragment, last: SqlFragment): SqlFragment =>
  sql`arraySlice(arrayPushBack(arrayPopFront(${values}), ${last}), 1, length(${values}))`;

/** A named intermediate array. */
export const def = (name: Ident, expr: SqlFragment): ArrayDef => ({ name, expr });
