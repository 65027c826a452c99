import type { Ident, PerDialect, SqlDialect, SqlFragment, Store } from '../../store/index.js';
import { ident, join, raw, sql } from '../../store/index.js';
import type { ActivityTables } from '../daily-activity.js';
import type { MilestoneQuery } from '../types.js';
import { def, isIn } from './array-sql.js';

/** What the SQL needs of a categories milestone: matcher ids per category, the window, the counts. */
export interface CategoriesSpec {
  key: string;
  /** window_days. */
  W: number;
  /** mature_in_at_least. */
  M: number;
  categories: readonly { matureAtLeast: number; mature: readonly number[]; basic: readonly number[] }[];
  /** Per category its mature mask column and, when it has basic features, its basic mask column; then 'reached_day'. */
  columns: readonly string[];
}

export interface CategoriesSql {
  /**
   * Per account: for each category, which of its mature (and basic) features were used in the
   * window ending on the as-of day, as bit masks; and the first day at least M categories were
   * mature at once.
   */
  query(spec: CategoriesSpec, d: SqlDialect, tables: ActivityTables): MilestoneQuery;
  /** The (end_day, account_id) pairs in which at least M categories were mature, for each given day. */
  inStateOn(spec: CategoriesSpec, store: Store, tables: ActivityTables, days: readonly string[]): Promise<{ end_day: string; account_id: string }[]>;
}

/** Per category, the features' bits: over distinct features used, a sum of 2^i is a portable bitwise or. */
function maskColumns(spec: CategoriesSpec): SqlFragment[] {
  const masks: SqlFragment[] = [];
  const bit = (ids: readonly number[]) => join(ids.map((id, i) => sql`WHEN ${id} THEN ${2 ** i}`), ' ');
  spec.categories.forEach((c, ci) => {
    masks.push(sql`sum(CASE m ${bit(c.mature)} END) AS ${ident(`c${ci}_mature`)}`);
    if (c.basic.length) masks.push(sql`sum(CASE m ${bit(c.basic)} END) AS ${ident(`c${ci}_basic`)}`);
  });
  return masks;
}

/** The mature features needed in category `cat` (a CASE over the category column). */
const needOf = (spec: CategoriesSpec) => sql`CASE cat ${join(spec.categories.map((c, ci) => sql`WHEN ${ci} THEN ${c.matureAtLeast}`), ' ')} END`;

/** Every feature id the milestone reads. */
const featureIds = (spec: CategoriesSpec) => [...new Set(spec.categories.flatMap((c) => [...c.mature, ...c.basic]))];

/** The (m, cat, feat) of every mature feature as VALUES rows, so one join finds their uses in one scan. */
function duckdbFeatureTable(d: SqlDialect, spec: CategoriesSpec, feat: (ci: number, fi: number) => number): SqlFragment {
  const int = (v: number) => d.cast(v, 'integer');
  const rows = spec.categories.flatMap((c, ci) => c.mature.map((id, fi) => sql`(${int(id)}, ${int(ci)}, ${int(feat(ci, fi))})`));
  return sql`SELECT * FROM (VALUES ${join(rows)}) v(m, cat, feat)`;
}

/**
 * First day with at least M categories mature, as CTEs ending in `out` (account_id,
 * reached_day): per feature, runs of use days closer than W apart form spans [first,
 * last + W); a category is on while ≥ its mature_at_least feature spans overlap; the
 * milestone while ≥ M categories are on.
 */
function duckdbReachedDayCtes(spec: CategoriesSpec, d: SqlDialect, dailyTable: SqlFragment, out: SqlFragment): SqlFragment[] {
  const { key, W, M } = spec;
  const t = (name: string) => ident(`${key}_${name}`);
  const [features, uses, starts, runs, spans, featureEdges, featureCounts, categoryEdges, categoryCounts] = [
    'features', 'uses', 'starts', 'runs', 'spans', 'feature_edges', 'feature_counts', 'category_edges', 'category_counts',
  ].map(t);
  const need = needOf(spec);
  const previous = sql`lag(day) OVER (PARTITION BY account_id, cat, feat ORDER BY day)`;
  return [
    // With one mature feature enough, any of them keeps the category on: count them as one.
    sql`${features} AS (${duckdbFeatureTable(d, spec, (ci, fi) => (spec.categories[ci].matureAtLeast === 1 ? 0 : fi))})`,
    sql`${uses} AS (SELECT DISTINCT x.account_id, f.cat, f.feat, x.day FROM ${dailyTable} x JOIN ${features} f ON f.m = x.m)`,
    sql`${starts} AS (
      SELECT account_id, cat, feat, day,
        CASE WHEN ${previous} IS NULL OR ${d.diffDays(previous, sql`day`)} >= ${W} THEN 1 ELSE 0 END AS is_start
      FROM ${uses}
    )`,
    sql`${runs} AS (
      SELECT account_id, cat, feat, day,
        sum(is_start) OVER (PARTITION BY account_id, cat, feat ORDER BY day ROWS UNBOUNDED PRECEDING) AS run
      FROM ${starts}
    )`,
    sql`${spans} AS (
      SELECT account_id, cat, feat, min(day) AS s, ${d.addDays(sql`max(day)`, W)} AS e FROM ${runs} GROUP BY account_id, cat, feat, run
    )`,
    sql`${featureEdges} AS (
      SELECT account_id, cat, feat, s AS day, 1 AS delta FROM ${spans}
      UNION ALL SELECT account_id, cat, feat, e AS day, -1 AS delta FROM ${spans}
    )`,
    sql`${featureCounts} AS (
      SELECT account_id, cat, feat, day, delta,
        sum(delta) OVER (PARTITION BY account_id, cat ORDER BY day, delta, feat ROWS UNBOUNDED PRECEDING) AS on_now,
        coalesce(sum(delta) OVER (PARTITION BY account_id, cat ORDER BY day, delta, feat ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS on_before
      FROM ${featureEdges}
    )`,
    sql`${categoryEdges} AS (
      SELECT account_id, cat, day, 1 AS delta, feat FROM ${featureCounts} WHERE on_now >= ${need} AND on_before < ${need}
      UNION ALL
      SELECT account_id, cat, day, -1 AS delta, feat FROM ${featureCounts} WHERE on_now < ${need} AND on_before >= ${need}
    )`,
    sql`${categoryCounts} AS (
      SELECT account_id, day, sum(delta) OVER (PARTITION BY account_id ORDER BY day, delta, cat, feat ROWS UNBOUNDED PRECEDING) AS on_now
      FROM ${categoryEdges}
    )`,
    sql`${out} AS (SELECT account_id, min(day) AS reached_day FROM ${categoryCounts} WHERE on_now >= ${M} GROUP BY account_id)`,
  ];
}

export const CATEGORIES_SQL: PerDialect<CategoriesSql> = {
  duckdb: {
    query(spec, d, tables) {
      const now = ident(`${spec.key}_now`);
      const reached = ident(`${spec.key}_reached`);
      const from = ident(`${spec.key}_maturity`);
      const used = ident(`${spec.key}_used`);
      return {
        kind: 'ctes',
        ctes: [
          sql`${used} AS (SELECT DISTINCT x.account_id, x.m FROM ${tables.daily} x JOIN ${tables.accounts} a ON a.account_id = x.account_id
            WHERE x.m IN (${join(featureIds(spec).map((id) => sql`${id}`))}) AND x.day > ${d.addDays(sql`a.as_of`, -spec.W)})`,
          sql`${now} AS (SELECT account_id, ${join(maskColumns(spec))} FROM ${used} GROUP BY account_id)`,
          ...duckdbReachedDayCtes(spec, d, tables.daily, sql`${reached}`),
          sql`${from} AS (SELECT a.account_id, ${join(spec.columns.map((c) => (c === 'reached_day' ? sql`r.reached_day` : sql`n.${ident(c)}`)))}
            FROM ${tables.accounts} a LEFT JOIN ${now} n ON n.account_id = a.account_id LEFT JOIN ${reached} r ON r.account_id = a.account_id)`,
        ],
        from,
        columns: [...spec.columns],
      };
    },
    inStateOn(spec, store, tables, days) {
      const d = store.dialect;
      // Per day: categories with enough distinct mature features used in the window before it.
      const ends = join(days.map((day) => sql`SELECT ${d.date(day)} AS end_day`), ' UNION ALL ');
      return store.query(sql`WITH ends AS (${ends}),
        features AS (${duckdbFeatureTable(d, spec, (_, fi) => fi)}),
        uses AS (SELECT x.account_id, f.cat, f.feat, x.day FROM ${tables.daily} x JOIN features f ON f.m = x.m),
        per_category AS (
          SELECT e.end_day, u.account_id, u.cat, count(DISTINCT u.feat) AS feats
          FROM uses u JOIN ends e ON u.day <= e.end_day AND u.day > ${d.addDays(sql`e.end_day`, -spec.W)}
          GROUP BY e.end_day, u.account_id, u.cat
        )
        SELECT ${d.dayText(sql`end_day`)} AS end_day, account_id FROM per_category
        WHERE feats >= ${needOf(spec)}
        GROUP BY end_day, account_id HAVING count(*) >= ${spec.M}`);
    },
  },
  clickhouse: {
    query(spec, d, tables) {
      const asOf = d.date(tables.asOf);
      const name = (part: string) => ident(`${spec.key}_${part}`);
      const [recent, useDays, useMs, edges, first] = ['recent', 'use_days', 'use_ms', 'edges', 'first'].map(name);
      const matureIds = [...new Set(spec.categories.flatMap((c) => c.mature))];
      // A running count of uses in the window per category whose features are interchangeable, else per feature.
      const counterOf = (ci: number, id: number) => (spec.categories[ci].matureAtLeast === 1 ? `c${ci}` : `f${id}`);
      const counters = new Map<string, Set<number>>();
      spec.categories.forEach((c, ci) => c.mature.forEach((id) => counters.set(counterOf(ci, id), (counters.get(counterOf(ci, id)) ?? new Set()).add(id))));
      const mask = (ids: readonly number[]) => {
        // As the DuckDB builder's CASE: an id listed twice takes the bit of its first place.
        const bits = new Map<number, number>();
        ids.forEach((id, i) => bits.has(id) || bits.set(id, 2 ** i));
        return join([...bits].map(([id, bit]) => sql`if(has(${recent}, ${id}), ${bit}, 0)`), ' + ');
      };
      const values: SqlFragment[] = [];
      spec.categories.forEach((c) => {
        values.push(mask(c.mature));
        if (c.basic.length) values.push(mask(c.basic));
      });
      // Categories mature after an edge (the lambda's arguments are the counters, by name).
      const on = (ci: number, id: number) => sql`(${raw(counterOf(ci, id))} > 0)`;
      const mature = join(
        spec.categories.map((c, ci) =>
          c.matureAtLeast === 1 ? on(ci, c.mature[0]) : sql`((${join(c.mature.map((id) => on(ci, id)), ' + ')}) >= ${c.matureAtLeast})`,
        ),
        ' + ',
      );
      const edge = (part: number) => sql`tupleElement(e, ${raw(String(part))})`;
      return {
        kind: 'arrays',
        defs: [
          [
            // Features used in the window ending on the as-of day (the rows hold no later days).
            def(recent, sql`arrayFilter((m, x) -> x > ${d.addDays(asOf, -spec.W)}, ms, days)`),
            def(useDays, sql`arrayFilter((x, m) -> ${isIn(sql`m`, matureIds)}, days, ms)`),
            def(useMs, sql`arrayFilter(m -> ${isIn(sql`m`, matureIds)}, ms)`),
          ],
          // A use keeps its feature on for W days: +1 on its day, -1 W days later; a day's -1s sort first.
          [def(edges, sql`arraySort(arrayConcat(arrayMap((x, m) -> (x, toInt8(1), m), ${useDays}, ${useMs}),
            arrayMap((x, m) -> (${d.addDays(sql`x`, spec.W)}, toInt8(-1), m), ${useDays}, ${useMs})))`)],
          [...counters].map(([counter, ids]) => def(name(counter), sql`arrayCumSum(arrayMap(e -> if(${isIn(edge(3), [...ids])}, ${edge(2)}, 0), ${edges}))`)),
          // Within a day the count only falls, then rises to the day's own: the first edge with M on is on the first day.
          [def(first, sql`arrayFirstIndex((${raw([...counters.keys()].join(', '))}) -> ${mature} >= ${spec.M}, ${join([...counters.keys()].map(name))})`)],
        ],
        values: [...values, sql`if(${first} = 0, NULL, tupleElement(arrayElement(${edges}, ${first}), 1))`],
      };
    },
    inStateOn(spec, store, tables, days) {
      const d = store.dialect;
      const uses = featureUses(spec);
      const matureIds = [...new Set(spec.categories.flatMap((c) => c.mature))];
      const perFeature = matureIds.map((id) => sql`arrayFilter((d, m) -> m = ${id}, days, ms) AS ${uses(id)}`);
      // ignore() keeps the per-feature arrays, read only inside lambdas (18.16 would drop them).
      return store.query(sql`SELECT toString(e) AS end_day, account_id FROM (
          SELECT account_id, arrayFilter(t -> ${matureCategories(d, spec, uses, sql`t`)} >= ${spec.M}, arrayMap(x -> toDate(x), ${[...days]})) AS hits
          FROM (
            SELECT account_id, ${join(perFeature)} FROM (
              SELECT account_id, arraySort(groupArray(day)) AS days, arrayMap(x -> tupleElement(x, 2), arraySort(groupArray((day, m)))) AS ms
              FROM ${tables.daily} AS x WHERE has(${matureIds}, m) GROUP BY account_id
            ) AS grouped
          ) AS features WHERE NOT ignore(${join(matureIds.map((id) => sql`${uses(id)}`))})
        ) AS found ARRAY JOIN hits AS e`);
    },
  },
};

/** The name of the array of days feature `id` was used on (sorted), per milestone. */
const featureUses = (spec: CategoriesSpec) => (id: number) => ident(`${spec.key}_u${id}`);

/** Whether a feature's use days hold one in the window ending on day `end`. */
const usedIn = (d: SqlDialect, spec: CategoriesSpec, uses: Ident, end: SqlFragment) =>
  sql`arrayExists(x -> x > ${d.addDays(end, -spec.W)} AND x <= ${end}, ${uses})`;

/** How many categories are mature on day `end`: each with at least its number of mature features used in the window. */
function matureCategories(d: SqlDialect, spec: CategoriesSpec, uses: (id: number) => Ident, end: SqlFragment): SqlFragment {
  return join(
    spec.categories.map((c) => sql`(${join(c.mature.map((id) => sql`if(${usedIn(d, spec, uses(id), end)}, 1, 0)`), ' + ')} >= ${c.matureAtLeast})`),
    ' + ',
  );
}
