import type { MilestonesConfig } from '../config/index.js';
import { milestoneLabel } from './terms.js';

/** A journey stage; accounts enter it on reaching its milestone (the first stage has none). */
export interface Stage {
  name: string;
  label: string;
  milestone: string | null;
}

/**
 * The journey's stages in order: as the config's `stages:` says, or else one stage per
 * milestone in `requires` order (config order among equals), after `signed_up`.
 */
export function journeyStages(framework: MilestonesConfig): Stage[] {
  if (framework.stages) {
    return framework.stages.map((s) => ({ name: s.name, label: s.label ?? s.name, milestone: s.milestone ?? null }));
  }
  const names = Object.keys(framework.milestones);
  const placed: string[] = [];
  const visit = (name: string) => {
    if (placed.includes(name)) return;
    for (const r of framework.milestones[name].requires) visit(r);
    placed.push(name);
  };
  names.forEach(visit);
  return [
    { name: 'signed_up', label: 'Signed up', milestone: null },
    ...placed.map((name) => ({ name, label: milestoneLabel(name, framework.milestones[name]), milestone: name })),
  ];
}
