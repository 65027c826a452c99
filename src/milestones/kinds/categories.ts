import type { CategoriesMilestone, Matcher } from '../../config/index.js';
import { asDay } from '../days.js';
import { describeMatcher } from '../matchers.js';
import { milestoneLabel } from '../terms.js';
import type { Day, Prepare } from '../types.js';
import { CATEGORIES_SQL, type CategoriesSpec } from './categories-sql.js';

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
  // Reasons speak the framework's language: the milestone's label.
  const label = milestoneLabel(name, config);
  // Mature features are read over all history (the reached day); basic ones only in the window.
  const plans: CategoryPlan[] = Object.entries(config.categories).map(([cat, c]) => ({
    name: cat,
    label: c.label ?? cat,
    matureAtLeast: c.mature_at_least,
    basic: c.basic.map((m) => ({ matcher: m, id: matchers.id(m, config.window_days) })),
    mature: c.mature.map((m) => ({ matcher: m, id: matchers.id(m) })),
    matureNames: c.mature.map((m) => describeMatcher(m)),
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
  const spec: CategoriesSpec = {
    key,
    W,
    M,
    categories: plans.map((p) => ({ matureAtLeast: p.matureAtLeast, mature: p.mature.map((f) => f.id), basic: p.basic.map((f) => f.id) })),
    columns,
  };
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
    width: columns.length,
    query(d, tables) {
      return d.pick(CATEGORIES_SQL).query(spec, d, tables);
    },
    async inStateOn({ store, tables }, days) {
      if (days.length === 0) return new Map();
      const rows = await store.dialect.pick(CATEGORIES_SQL).inStateOn(spec, store, tables, days);
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
    inStateAt(result) {
      return (result.detail.mature_now as number) >= M;
    },
    advance(cells, at, counts, _account, asOf) {
      // Features used on the as-of day are inside the window: their bits join the masks.
      let any = false;
      plans.forEach((p, ci) => {
        const or = (col: number, features: readonly { id: number }[]) => {
          let mask = cells[at + col] ? Number(cells[at + col]) : 0;
          const before = mask;
          features.forEach((f, i) => {
            // A feature listed twice has the bit of its first place, as the query's CASE gives.
            if ((counts.get(f.id) ?? 0) > 0 && features.findIndex((g) => g.id === f.id) === i) mask |= 2 ** i;
          });
          if (mask !== before) {
            cells[at + col] = String(mask);
            any = true;
          }
        };
        or(cols[ci].mature, p.mature);
        if (cols[ci].basic >= 0) or(cols[ci].basic, p.basic);
      });
      // Not reached before, and the as-of day is the only one with new uses: reached today if enough categories are mature now.
      if (any && !cells[at + reachedCol] && categoryState(cells, at).matureNow >= M) cells[at + reachedCol] = asOf;
      return true;
    },
    advise(_account, result) {
      const { mature_now, suggestions } = result.detail as { mature_now: number; suggestions: { category: string; missing: number; feature: string }[] };
      // The nearest category: fewest mature features missing; config order breaks ties.
      let nearest: { category: string; missing: number; feature: string } | undefined;
      for (const s of suggestions) if (!nearest || s.missing < nearest.missing) nearest = s;
      if (!nearest) return null;
      const category = plans.find((p) => p.name === nearest.category)?.label ?? nearest.category;
      return {
        action: `Use ${nearest.feature}`,
        reason: `${label}: mature in ${mature_now} of the ${M} categories needed; ${category} is nearest (${nearest.missing} mature feature${nearest.missing === 1 ? '' : 's'} short)`,
      };
    },
  };
};
