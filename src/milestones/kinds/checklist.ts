import type { ChecklistMilestone } from '../../config/index.js';
import { milestoneLabel } from '../terms.js';
import type { Prepare } from '../types.js';
import { CHECKLIST_SQL } from './checklist-sql.js';

/** A checklist: reached when all steps (or `at_least` of them) are done; the day the last needed one was. */
export const prepareChecklist: Prepare<ChecklistMilestone> = (name, config, matchers, key) => {
  // Reasons speak the framework's language: the milestone's label.
  const label = milestoneLabel(name, config);
  const stepIds = config.steps.map((s) => matchers.id(s.when));
  const needed = config.at_least ?? config.steps.length;
  const ids = config.steps.map((s) => s.id);
  const labels = config.steps.map((s) => s.label ?? s.id);
  const n = stepIds.length;
  type Step = { id: string; label: string; done: boolean; done_at: string | null };
  // Steps not done read the same for every account: shared, frozen; so is each list of missing steps.
  const notDone: Step[] = ids.map((id, i) => Object.freeze({ id, label: labels[i], done: false, done_at: null }));
  const missingByMask = new Map<number, string[]>();
  return {
    name,
    config,
    width: n,
    query(d, tables) {
      return d.pick(CHECKLIST_SQL)({ key, stepIds }, tables);
    },
    evaluate(_account, cells, at) {
      const steps = new Array<Step>(n);
      const doneDays: string[] = [];
      let doneMask = 0;
      for (let i = 0; i < n; i++) {
        const doneAt = cells[at + i];
        if (doneAt) {
          steps[i] = { id: ids[i], label: labels[i], done: true, done_at: doneAt };
          // Insertion keeps the done days in order (ISO days sort as text).
          let j = doneDays.length;
          doneDays.push(doneAt);
          while (j > 0 && doneDays[j - 1] > doneAt) doneDays[j] = doneDays[--j];
          doneDays[j] = doneAt;
          doneMask |= 1 << i;
        } else {
          steps[i] = notDone[i];
        }
      }
      let missing = n <= 30 ? missingByMask.get(doneMask) : undefined;
      if (missing === undefined) {
        missing = Object.freeze(ids.filter((_, i) => !cells[at + i])) as string[];
        if (n <= 30) missingByMask.set(doneMask, missing);
      }
      const reached = doneDays.length >= needed;
      return {
        reached,
        reached_at: reached ? doneDays[needed - 1] : null,
        progress: Math.min(1, doneDays.length / needed),
        detail: { steps, done: doneDays.length, needed, missing },
      };
    },
    advance(cells, at, counts, _account, asOf) {
      for (let i = 0; i < n; i++) if (!cells[at + i] && (counts.get(stepIds[i]) ?? 0) > 0) cells[at + i] = asOf;
      return true;
    },
    advise(_account, result) {
      const steps = result.detail.steps as { id: string; label: string; done: boolean }[];
      const next = steps.find((s) => !s.done);
      if (!next) return null;
      const done = result.detail.done as number;
      return {
        action: next.label,
        reason: `${label}: ${done} of ${needed} steps done; "${next.label}" is the next step not yet done`,
      };
    },
  };
};
