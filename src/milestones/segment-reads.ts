import { parseSegmentExpression, segmentFields, type MilestonesConfig } from '../config/index.js';
import type { AccountStatus } from './engine.js';
import type { MilestoneResult } from './types.js';

/**
 * What the framework's segments read that a refresh on the same day can change: the stage,
 * each milestone's fields, and whether any reads inactivity (days_since_last_event, moved by
 * activity alone). Facts and age do not change within a day without a refresh of every account.
 */
export interface SegmentReads {
  stage: boolean;
  milestones: Map<string, Set<keyof MilestoneResult>>;
  inactivity: boolean;
}

export function segmentReads(framework: MilestonesConfig): SegmentReads {
  const reads: SegmentReads = { stage: false, milestones: new Map(), inactivity: false };
  for (const text of Object.values(framework.segments)) {
    for (const [field, milestone, sub] of segmentFields(parseSegmentExpression(text))) {
      if (field === 'stage') reads.stage = true;
      if (field === 'days_since_last_event') reads.inactivity = true;
      if (field !== 'milestones' || !milestone || !sub) continue;
      if (!reads.milestones.has(milestone)) reads.milestones.set(milestone, new Set());
      // days_to_reach follows the reached day.
      reads.milestones.get(milestone)!.add(sub === 'days_to_reach' ? 'reached_at' : (sub as keyof MilestoneResult));
    }
  }
  return reads;
}

/** Whether a field the segments read changed between two statuses of an account on one day (`milestones`: those whose results changed). */
export const judgedChange = (reads: SegmentReads, was: AccountStatus, now: AccountStatus, milestones: readonly string[]): boolean =>
  (reads.stage && was.stage !== now.stage) ||
  milestones.some((name) => {
    const fields = reads.milestones.get(name);
    const [w, m] = [was.milestones[name], now.milestones[name]];
    return fields !== undefined && [...fields].some((f) => w[f] !== m[f]);
  });
