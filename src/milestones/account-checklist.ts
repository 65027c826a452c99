import type { MilestonesConfig } from '../config/index.js';
import type { AccountStatus } from './engine.js';
import { frameworkLanguage } from './language.js';
import { journeyStages } from './stages.js';

/**
 * What the product shows an account about its own onboarding (`GET /v1/checklist/:account`):
 * each checklist milestone's steps done and missing, the stage, and the next best step with
 * its reason, in the framework's words. An account Cairn has not seen yet (its first minutes)
 * stands at the first stage with every step missing.
 */
export interface AccountChecklist {
  account_id: string;
  as_of: string;
  /** false: Cairn has no data of this account yet. */
  known: boolean;
  stage: { name: string; label: string; index: number; of: number };
  checklists: {
    milestone: string;
    label: string;
    description: string | null;
    reached: boolean;
    done: number;
    needed: number;
    steps: { id: string; label: string; done: boolean; done_at: string | null }[];
  }[];
  next_best_step: { milestone: string; milestone_label: string; action: string; reason: string } | null;
}

export function accountChecklist(framework: MilestonesConfig, accountId: string, asOf: string, status: AccountStatus | null): AccountChecklist {
  const words = frameworkLanguage(framework);
  const stages = journeyStages(framework);
  const stage = status?.stage ?? stages[0].name;
  const checklists = Object.entries(framework.milestones).flatMap(([name, m]) => {
    if (m.kind !== 'checklist') return [];
    const result = status?.milestones[name];
    const done = new Map(((result?.detail.steps ?? []) as { id: string; done_at: string | null }[]).map((s) => [s.id, s.done_at]));
    const steps = m.steps.map((s) => ({ id: s.id, label: words.step(name, s.id), done: Boolean(done.get(s.id)), done_at: done.get(s.id) ?? null }));
    const term = words.milestone(name);
    return [{ milestone: name, label: term.label, description: term.description, reached: result?.reached ?? false, done: steps.filter((s) => s.done).length, needed: m.at_least ?? m.steps.length, steps }];
  });
  const next = status ? status.next_best_step : firstStep(framework, words);
  return {
    account_id: accountId,
    as_of: asOf,
    known: status !== null,
    stage: { ...words.stage(stage), index: stages.findIndex((s) => s.name === stage), of: stages.length },
    checklists,
    next_best_step: next && { milestone: next.milestone, milestone_label: words.milestone(next.milestone).label, action: next.action, reason: next.reason },
  };
}

/** For an account not seen yet: the first step of the first checklist. */
function firstStep(framework: MilestonesConfig, words: ReturnType<typeof frameworkLanguage>) {
  const entry = Object.entries(framework.milestones).find(([, m]) => m.kind === 'checklist');
  if (!entry || entry[1].kind !== 'checklist') return null;
  const [name, m] = entry;
  const label = words.milestone(name).label;
  const step = words.step(name, m.steps[0].id);
  return { milestone: name, action: step, reason: `${label}: 0 of ${m.at_least ?? m.steps.length} steps done; "${step}" is the next step not yet done` };
}
