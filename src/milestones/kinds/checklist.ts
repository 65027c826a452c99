import type { ChecklistMilestone } from '../../config/index.js';
import { ident, join, sql } from '../../store/index.js';
import { asDay, byAccount } from '../days.js';
import type { Prepare } from '../types.js';

/** A checklist: reached when all steps (or `at_least` of them) are done; the day the last needed one was. */
export const prepareChecklist: Prepare<ChecklistMilestone> = (name, config, matchers) => {
  const stepIds = config.steps.map((s) => matchers.id(s.when));
  const needed = config.at_least ?? config.steps.length;
  return {
    name,
    config,
    async load({ store, tables }) {
      const firsts = stepIds.map((m, i) => sql`min(CASE WHEN m = ${m} THEN day END) AS ${ident(`s${i}`)}`);
      const ids = join([...new Set(stepIds)].map((m) => sql`${m}`));
      return byAccount(await store.query(sql`SELECT account_id, ${join(firsts)} FROM ${tables.daily} WHERE m IN (${ids}) GROUP BY account_id`));
    },
    evaluate(_account, row) {
      const steps = config.steps.map((s, i) => {
        const doneAt = asDay(row?.[`s${i}`]);
        return { id: s.id, label: s.label ?? s.id, done: doneAt !== null, done_at: doneAt };
      });
      const doneDays = steps.flatMap((s) => (s.done_at ? [s.done_at] : [])).sort();
      const reached = doneDays.length >= needed;
      return {
        reached,
        reached_at: reached ? doneDays[needed - 1] : null,
        progress: Math.min(1, doneDays.length / needed),
        detail: { steps, done: doneDays.length, needed, missing: steps.filter((s) => !s.done).map((s) => s.id) },
      };
    },
    advise(_account, result) {
      const steps = result.detail.steps as { id: string; label: string; done: boolean }[];
      const next = steps.find((s) => !s.done);
      if (!next) return null;
      const done = result.detail.done as number;
      return {
        action: next.label,
        reason: `${name}: ${done} of ${needed} steps done; "${next.label}" is the next step not yet done`,
      };
    },
  };
};
