import type { CategoriesMilestone, Matcher } from '../../config/index.js';
import { ident, join, raw, sql, type Ident, type SqlFragment } from '../../store/index.js';
import { asDay } from '../days.js';
import { describeMatcher } from '../matchers.js';
import type { Day, Prepare } from '../types.js';

interface CategoryPlan {
  name: string;
  label: string;
  matureAtLeast: number;
  basic: { matcher: Matcher; id: number }[];
  mature: { matcher: Matcher; id: number }[];
  /** Mature features as words, computed once rather than per account. */
  matureNames: string[];
}

type Level = 'mature' | 'basic' | 'absent';

/**
 * Maturity over categories. Within the trailing `window_days`, a category is mature when the
 * account used at least `mature_at_least` of its mature features, basic when it used any of
 * its features, else absent; the milestone is reached when at least `mature_in_at_least`
 * categories are mature at once. The reached day is found with a sweep: each use of a mature
 * feature keeps it "on" for `window_days`; the first day enough categories are on is the day.
 */
export const prepareCategories: Prepare<CategoriesMilestone> = (name, config, matchers, key) => {
  // Mature features are read over all history (the reached day); basic ones only in the window.
  const plans: CategoryPlan[] = Object.entries(config.categories).map(([cat, c]) => ({
    name: cat,
    label: c.label ?? cat,
    matureAtLeast: c.mature_at_least,
    basic: c.basic.map((m) => ({ matcher: m, id: matchers.id(m, config.window_days) })),
    mature: c.mature.map((m) => ({ matcher: m, id: matchers.id(m) })),
    matureNames: c.mature.map(describeMatcher),
  }));
  const W = config.window_days;
  const M = config.mature_in_at_least;

  // Values read back: per category its mature mask (and basic mask), then the reached day.
  const columns: string[] = [];
  const cols = plans.map((p, ci) => {
    const mature = columns.push(`c${ci}_mature`) - 1;
    const basic = p.basic.length ? columns.push(`c${ci}_basic`) - 1 : -1;
    return { mature, basic };
  });
  const reachedCol = columns.push('reached_day') - 1;
  const usedBits = plans.map((p) => p.matureNames.map((_, i) => 2 ** i));
  type Category = { name: string; label: string; level: Level; mature_features_used: string[]; mature_features_needed: number };
  type Suggestion = { category: string; missing: number; feature: string };
  interface CategoryState {
    matureNow: number;
    categories: readonly Category[];
    suggestions: readonly Suggestion[];
  }
  const states = new Map<string, CategoryState>();

  /** Each category's level and, short of mature, the nearest step, from the account's masks. */
  function categoryState(cells: readonly string[], at: number): CategoryState {
    const categories: Category[] = [];
    const suggestions: Suggestion[] = [];
    let matureNow = 0;
    plans.forEach((p, ci) => {
      const matureCell = cells[at + cols[ci].mature];
      const matureMask = matureCell ? Number(matureCell) : 0;
      const used = p.matureNames.filter((_, i) => matureMask & usedBits[ci][i]);
      let level: Level;
      if (used.length >= p.matureAtLeast) {
        level = 'mature';
        matureNow++;
      } else {
        const basicCell = cols[ci].basic >= 0 ? cells[at + cols[ci].basic] : '';
        level = matureMask || (basicCell ? Number(basicCell) : 0) ? 'basic' : 'absent';
        const feature = p.matureNames.find((_, i) => !(matureMask & usedBits[ci][i]))!;
        suggestions.push(Object.freeze({ category: p.name, missing: p.matureAtLeast - used.length, feature }));
      }
      categories.push(Object.freeze({ name: p.name, label: p.label, level, mature_features_used: Object.freeze(used) as string[], mature_features_needed: p.matureAtLeast }));
    });
    return { matureNow, categories: Object.freeze(categories), suggestions: Object.freeze(suggestions) };
  }

  return {
    name,
    config,
    query(d, tables) {
      const now = ident(`${key}_now`);
      const reached = ident(`${key}_reached`);
      const from = ident(`${key}_maturity`);
      // Per category, which of its mature and basic features were used in the window ending on
      // the as-of day, as bit masks: over distinct features used, a sum of 2^i is a portable bitwise or.
      const used = ident(`${key}_used`);
      const masks: SqlFragment[] = [];
      const bit = (fs: { id: number }[]) => join(fs.map((f, i) => sql`WHEN ${f.id} THEN ${2 ** i}`), ' ');
      plans.forEach((p, ci) => {
        masks.push(sql`sum(CASE m ${bit(p.mature)} END) AS ${ident(`c${ci}_mature`)}`);
        if (p.basic.length) masks.push(sql`sum(CASE m ${bit(p.basic)} END) AS ${ident(`c${ci}_basic`)}`);
      });
      const ids = [...new Set(plans.flatMap((p) => [...p.mature, ...p.basic].map((f) => f.id)))];
      return {
        ctes: [
          sql`${used} AS (SELECT DISTINCT x.account_id, x.m FROM ${tables.daily} x JOIN ${tables.accounts} a ON a.account_id = x.account_id
            WHERE x.m IN (${join(ids.map((id) => sql`${id}`))}) AND x.day > ${raw(d.addDays('a.as_of', String(-W)))})`,
          sql`${now} AS (SELECT account_id, ${join(masks)} FROM ${used} GROUP BY account_id)`,
          ...reachedDayCtes(d, tables.daily, reached),
          sql`${from} AS (SELECT a.account_id, ${join(columns.map((c) => (c === 'reached_day' ? sql`r.reached_day` : sql`n.${ident(c)}`)))}
            FROM ${tables.accounts} a LEFT JOIN ${now} n ON n.account_id = a.account_id LEFT JOIN ${reached} r ON r.account_id = a.account_id)`,
        ],
        from,
        columns,
      };
    },
    async inStateOn({ store, tables }, days) {
      if (days.length === 0) return new Map();
      const d = store.dialect;
      // Per day: categories with enough distinct mature features used in the window before it.
      const ends = join(days.map((day) => sql`SELECT CAST(${day} AS DATE) AS end_day`), ' UNION ALL ');
      const rows = await store.query<{ end_day: string; account_id: string }>(sql`WITH ends AS (${ends}),
        features AS (${featureTable((_, fi) => fi)}),
        uses AS (SELECT x.account_id, f.cat, f.feat, x.day FROM ${tables.daily} x JOIN features f ON f.m = x.m),
        per_category AS (
          SELECT e.end_day, u.account_id, u.cat, count(DISTINCT u.feat) AS feats
          FROM uses u JOIN ends e ON u.day <= e.end_day AND u.day > ${raw(d.addDays('e.end_day', String(-W)))}
          GROUP BY e.end_day, u.account_id, u.cat
        )
        SELECT CAST(end_day AS VARCHAR) AS end_day, account_id FROM per_category
        WHERE feats >= CASE cat ${join(plans.map((p, ci) => sql`WHEN ${ci} THEN ${p.matureAtLeast}`), ' ')} END
        GROUP BY end_day, account_id HAVING count(*) >= ${M}`);
      const out = new Map<Day, Set<string>>(days.map((day) => [day, new Set<string>()]));
      for (const r of rows) out.get(asDay(r.end_day)!)?.add(r.account_id);
      return out;
    },
    evaluate(_account, cells, at) {
      // Accounts share a few thousand combinations of masks: build each combination's
      // categories and suggestions once and share them, frozen, between those accounts.
      let key = '';
      for (let ci = 0; ci < plans.length; ci++) {
        const basic = cols[ci].basic >= 0 ? cells[at + cols[ci].basic] : '';
        key += `${cells[at + cols[ci].mature]}/${basic && basic !== '0' ? 1 : 0},`;
      }
      let state = states.get(key);
      if (state === undefined) states.set(key, (state = categoryState(cells, at)));
      const reachedAt = cells[at + reachedCol] || null;
      return {
        reached: reachedAt !== null,
        reached_at: reachedAt,
        progress: reachedAt !== null ? 1 : Math.min(1, state.matureNow / M),
        detail: { window_days: W, mature_in_at_least: M, mature_now: state.matureNow, categories: state.categories, suggestions: state.suggestions },
      };
    },
    advise(_account, result) {
      const { mature_now, suggestions } = result.detail as { mature_now: number; suggestions: { category: string; missing: number; feature: string }[] };
      // The nearest category: fewest mature features missing; config order breaks ties.
      let nearest: { category: string; missing: number; feature: string } | undefined;
      for (const s of suggestions) if (!nearest || s.missing < nearest.missing) nearest = s;
      if (!nearest) return null;
      const label = plans.find((p) => p.name === nearest.category)?.label ?? nearest.category;
      return {
        action: `Use ${nearest.feature}`,
        reason: `${name}: mature in ${mature_now} of the ${M} categories needed; ${label} is nearest (${nearest.missing} mature feature${nearest.missing === 1 ? '' : 's'} short)`,
      };
    },
  };

  /** The (m, cat, feat) of every mature feature, so one join finds their uses in one scan. */
  function featureTable(feat: (p: CategoryPlan, fi: number) => number): SqlFragment {
    const rows = plans.flatMap((p, ci) => p.mature.map((f, fi) => sql`(CAST(${f.id} AS INTEGER), CAST(${ci} AS INTEGER), CAST(${feat(p, fi)} AS INTEGER))`));
    return sql`SELECT * FROM (VALUES ${join(rows)}) v(m, cat, feat)`;
  }

  /**
   * First day with at least M categories mature, as CTEs ending in `out` (account_id,
   * reached_day): per feature, runs of use days closer than W apart form spans [first,
   * last + W); a category is on while ≥ its mature_at_least feature spans overlap; the
   * milestone while ≥ M categories are on.
   */
  function reachedDayCtes(d: { addDays(a: string, b: string): string; diffDays(a: string, b: string): string }, dailyTable: Ident, out: Ident): SqlFragment[] {
    const t = (name: string) => ident(`${key}_${name}`);
    const [features, uses, starts, runs, spans, featureEdges, featureCounts, categoryEdges, categoryCounts] = [
      'features', 'uses', 'starts', 'runs', 'spans', 'feature_edges', 'feature_counts', 'category_edges', 'category_counts',
    ].map(t);
    const need = sql`CASE cat ${join(plans.map((p, ci) => sql`WHEN ${ci} THEN ${p.matureAtLeast}`), ' ')} END`;
    const order = raw('ORDER BY day, delta, feat ROWS UNBOUNDED PRECEDING');
    return [
      // With one mature feature enough, any of them keeps the category on: count them as one.
      sql`${features} AS (${featureTable((p, fi) => (p.matureAtLeast === 1 ? 0 : fi))})`,
      sql`${uses} AS (SELECT DISTINCT x.account_id, f.cat, f.feat, x.day FROM ${dailyTable} x JOIN ${features} f ON f.m = x.m)`,
      sql`${starts} AS (
        SELECT account_id, cat, feat, day,
          CASE WHEN lag(day) OVER (PARTITION BY account_id, cat, feat ORDER BY day) IS NULL
            OR ${raw(d.diffDays('lag(day) OVER (PARTITION BY account_id, cat, feat ORDER BY day)', 'day'))} >= ${W}
            THEN 1 ELSE 0 END AS is_start
        FROM ${uses}
      )`,
      sql`${runs} AS (
        SELECT account_id, cat, feat, day,
          sum(is_start) OVER (PARTITION BY account_id, cat, feat ORDER BY day ROWS UNBOUNDED PRECEDING) AS run
        FROM ${starts}
      )`,
      sql`${spans} AS (
        SELECT account_id, cat, feat, min(day) AS s, ${raw(d.addDays('max(day)', String(W)))} AS e FROM ${runs} GROUP BY account_id, cat, feat, run
      )`,
      sql`${featureEdges} AS (
        SELECT account_id, cat, feat, s AS day, 1 AS delta FROM ${spans}
        UNION ALL SELECT account_id, cat, feat, e AS day, -1 AS delta FROM ${spans}
      )`,
      sql`${featureCounts} AS (
        SELECT account_id, cat, feat, day, delta,
          sum(delta) OVER (PARTITION BY account_id, cat ${order}) AS on_now,
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
};
