import type { CategoriesMilestone, Matcher } from '../../config/index.js';
import { ident, join, raw, sql, type SqlFragment } from '../../store/index.js';
import { asDay, asNumber, byAccount } from '../days.js';
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
export const prepareCategories: Prepare<CategoriesMilestone> = (name, config, matchers) => {
  const plans: CategoryPlan[] = Object.entries(config.categories).map(([cat, c]) => ({
    name: cat,
    label: c.label ?? cat,
    matureAtLeast: c.mature_at_least,
    basic: c.basic.map((m) => ({ matcher: m, id: matchers.id(m) })),
    mature: c.mature.map((m) => ({ matcher: m, id: matchers.id(m) })),
    matureNames: c.mature.map(describeMatcher),
  }));
  const W = config.window_days;
  const M = config.mature_in_at_least;

  return {
    name,
    config,
    async load({ store, tables }) {
      const d = store.dialect;
      // Per category, which of its mature and basic features were used in the window ending on
      // the as-of day, as bit masks: sum(DISTINCT 2^i) is a portable bitwise or.
      const masks: SqlFragment[] = [];
      const bit = (fs: { id: number }[]) => join(fs.map((f, i) => sql`WHEN ${f.id} THEN ${2 ** i}`), ' ');
      plans.forEach((p, ci) => {
        masks.push(sql`sum(DISTINCT CASE m ${bit(p.mature)} END) AS ${ident(`c${ci}_mature`)}`);
        if (p.basic.length) masks.push(sql`sum(DISTINCT CASE m ${bit(p.basic)} END) AS ${ident(`c${ci}_basic`)}`);
      });
      const ids = [...new Set(plans.flatMap((p) => [...p.mature, ...p.basic].map((f) => f.id)))];
      const now = byAccount(
        await store.query(sql`SELECT x.account_id, ${join(masks)} FROM ${tables.daily} x JOIN ${tables.accounts} a ON a.account_id = x.account_id
          WHERE x.m IN (${join(ids.map((id) => sql`${id}`))}) AND x.day > ${raw(d.addDays('a.as_of', String(-W)))} GROUP BY x.account_id`),
      );
      const reached = byAccount(await store.query(reachedDayQuery(d, tables.daily.name)));
      for (const [id, row] of reached) now.set(id, { ...(now.get(id) ?? { account_id: id }), reached_day: row.reached_day });
      return now;
    },
    async inStateOn({ store, tables }, days) {
      if (days.length === 0) return new Map();
      const d = store.dialect;
      // Per day: categories with enough distinct mature features used in the window before it.
      const ends = join(days.map((day) => sql`SELECT CAST(${day} AS DATE) AS end_day`), ' UNION ALL ');
      const rows = await store.query<{ end_day: string; account_id: string }>(sql`WITH ends AS (${ends}),
        uses AS (${join(plans.flatMap((p, ci) => p.mature.map((f, fi) => sql`SELECT account_id, ${ci} AS cat, ${fi} AS feat, day FROM ${tables.daily} WHERE m = ${f.id}`)), ' UNION ALL ')}),
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
    evaluate(_account, row) {
      const categories = plans.map((p, ci) => {
        const matureMask = asNumber(row?.[`c${ci}_mature`]);
        const used = p.matureNames.filter((_, i) => matureMask & (2 ** i));
        const level: Level = used.length >= p.matureAtLeast ? 'mature' : matureMask || asNumber(row?.[`c${ci}_basic`]) ? 'basic' : 'absent';
        return { name: p.name, label: p.label, level, mature_features_used: used, mature_features_needed: p.matureAtLeast, mask: matureMask };
      });
      const matureNow = categories.filter((c) => c.level === 'mature').length;
      const reachedAt = asDay(row?.reached_day);
      return {
        reached: reachedAt !== null,
        reached_at: reachedAt,
        progress: reachedAt !== null ? 1 : Math.min(1, matureNow / M),
        detail: {
          window_days: W,
          mature_in_at_least: M,
          mature_now: matureNow,
          categories: categories.map(({ mask: _, ...c }) => c),
          suggestions: categories
            .filter((c) => c.level !== 'mature')
            .map((c) => {
              const plan = plans.find((p) => p.name === c.name)!;
              return { category: c.name, missing: c.mature_features_needed - c.mature_features_used.length, feature: plan.matureNames.find((_, i) => !(c.mask & (2 ** i)))! };
            }),
        },
      };
    },
    advise(_account, result) {
      const { mature_now, suggestions } = result.detail as { mature_now: number; suggestions: { category: string; missing: number; feature: string }[] };
      // The nearest category: fewest mature features missing; config order breaks ties.
      const nearest = [...suggestions].sort((a, b) => a.missing - b.missing)[0];
      if (!nearest) return null;
      const label = plans.find((p) => p.name === nearest.category)?.label ?? nearest.category;
      return {
        action: `Use ${nearest.feature}`,
        reason: `${name}: mature in ${mature_now} of the ${M} categories needed; ${label} is nearest (${nearest.missing} mature feature${nearest.missing === 1 ? '' : 's'} short)`,
      };
    },
  };

  /**
   * First day with at least M categories mature: per feature, runs of use days closer than
   * W apart form spans [first, last + W); a category is on while ≥ its mature_at_least
   * feature spans overlap; the milestone while ≥ M categories are on.
   */
  function reachedDayQuery(d: { addDays(a: string, b: string): string; diffDays(a: string, b: string): string }, daily: string): SqlFragment {
    const dailyTable = ident(daily);
    const uses: SqlFragment[] = [];
    plans.forEach((p, ci) =>
      // With one mature feature enough, any of them keeps the category on: count them as one.
      p.mature.forEach((f, fi) => uses.push(sql`SELECT account_id, ${ci} AS cat, ${p.matureAtLeast === 1 ? 0 : fi} AS feat, day FROM ${dailyTable} WHERE m = ${f.id}`)),
    );
    const need = sql`CASE cat ${join(plans.map((p, ci) => sql`WHEN ${ci} THEN ${p.matureAtLeast}`), ' ')} END`;
    const order = raw('ORDER BY day, delta, feat ROWS UNBOUNDED PRECEDING');
    return sql`WITH uses AS (SELECT DISTINCT * FROM (${join(uses, ' UNION ALL ')}) u),
      starts AS (
        SELECT account_id, cat, feat, day,
          CASE WHEN lag(day) OVER (PARTITION BY account_id, cat, feat ORDER BY day) IS NULL
            OR ${raw(d.diffDays('lag(day) OVER (PARTITION BY account_id, cat, feat ORDER BY day)', 'day'))} >= ${W}
            THEN 1 ELSE 0 END AS is_start
        FROM uses
      ),
      runs AS (
        SELECT account_id, cat, feat, day,
          sum(is_start) OVER (PARTITION BY account_id, cat, feat ORDER BY day ROWS UNBOUNDED PRECEDING) AS run
        FROM starts
      ),
      spans AS (
        SELECT account_id, cat, feat, min(day) AS s, ${raw(d.addDays('max(day)', String(W)))} AS e FROM runs GROUP BY account_id, cat, feat, run
      ),
      feature_edges AS (
        SELECT account_id, cat, feat, s AS day, 1 AS delta FROM spans
        UNION ALL SELECT account_id, cat, feat, e AS day, -1 AS delta FROM spans
      ),
      feature_counts AS (
        SELECT account_id, cat, feat, day, delta,
          sum(delta) OVER (PARTITION BY account_id, cat ${order}) AS on_now,
          coalesce(sum(delta) OVER (PARTITION BY account_id, cat ORDER BY day, delta, feat ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS on_before
        FROM feature_edges
      ),
      category_edges AS (
        SELECT account_id, cat, day, 1 AS delta, feat FROM feature_counts WHERE on_now >= ${need} AND on_before < ${need}
        UNION ALL
        SELECT account_id, cat, day, -1 AS delta, feat FROM feature_counts WHERE on_now < ${need} AND on_before >= ${need}
      ),
      category_counts AS (
        SELECT account_id, day, sum(delta) OVER (PARTITION BY account_id ORDER BY day, delta, cat, feat ROWS UNBOUNDED PRECEDING) AS on_now
        FROM category_edges
      )
      SELECT account_id, min(day) AS reached_day FROM category_counts WHERE on_now >= ${M} GROUP BY account_id`;
  }
};
