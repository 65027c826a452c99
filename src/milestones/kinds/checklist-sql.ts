import type { PerDialect } from '../../store/index.js';
import { ident, join, sql } from '../../store/index.js';
import type { ActivityTables } from '../daily-activity.js';
import type { MilestoneQuery } from '../types.js';

export interface ChecklistSpec {
  key: string;
  /** Each step's matcher id in the daily table, in step order. */
  stepIds: readonly number[];
}

/** Per account and step: the first day the step was done. */
export const CHECKLIST_SQL: PerDialect<(spec: ChecklistSpec, tables: ActivityTables) => MilestoneQuery> = {
  duckdb({ key, stepIds }, tables) {
    const from = ident(`${key}_steps`);
    const columns = stepIds.map((_, i) => `s${i}`);
    const firsts = stepIds.map((m, i) => sql`min(CASE WHEN m = ${m} THEN day END) AS ${ident(columns[i])}`);
    const inList = join([...new Set(stepIds)].map((m) => sql`${m}`));
    return {
      kind: 'ctes',
      ctes: [sql`${from} AS (SELECT account_id, ${join(firsts)} FROM ${tables.daily} WHERE m IN (${inList}) GROUP BY account_id)`],
      from,
      columns,
    };
  },
  clickhouse({ stepIds }) {
    // Rows come sorted by matcher, then day: a step's first day is where its id first appears.
    return { kind: 'arrays', defs: [], values: stepIds.map((m) => sql`if(has(ms, ${m}), arrayElement(days, indexOf(ms, ${m})), NULL)`) };
  },
};
