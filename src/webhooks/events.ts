import type { WebhookEventType } from '../config/index.js';
import type { FrameworkLanguage, MilestoneChange, SegmentChange } from '../milestones/index.js';

/**
 * The events webhooks send, made from the two feeds: a milestone reached or lost, a stage
 * changed (forward or back), an account entering or leaving a segment. Only changes the data
 * made are news (cause 'data'): a backfill or a new framework is not sent. Words and labels
 * come from the framework's language, as the CLI and the checklist say them.
 */
export interface WebhookEvent {
  /** `evt_m<seq>` for milestone_changes, `evt_s<seq>` for segment_changes: unique, and the same on every retry. */
  id: string;
  type: WebhookEventType;
  /** When the change was recorded. */
  created_at: string;
  /** The feed's seq: events of one feed in this order happened in this order. */
  sequence: number;
  data: {
    account_id: string;
    /** The day it happened. */
    day: string;
    /** The change in the framework's words, with the account: `acme reached Activated`. */
    summary: string;
    milestone?: { name: string; label: string; description: string | null; definition: string };
    stage?: { name: string; label: string };
    previous_stage?: { name: string; label: string } | null;
    direction?: 'forward' | 'back';
    segment?: { name: string; expression: string };
    framework_version?: number;
  };
}

/** The event of a milestone_changes row, or null when it is not news. */
export function milestoneEvent(c: MilestoneChange, words: FrameworkLanguage): WebhookEvent | null {
  if (c.cause !== 'data') return null;
  const base = { id: `evt_m${c.seq}`, created_at: c.recorded_at, sequence: c.seq };
  const data = { account_id: c.account_id, day: c.day, summary: `${c.account_id} ${words.change(c)}`, framework_version: c.framework_version };
  if (c.kind === 'milestone') return { ...base, type: c.change === 'reached' ? 'milestone.reached' : 'milestone.lost', data: { ...data, milestone: words.milestone(c.name) } };
  return {
    ...base,
    type: 'stage.changed',
    data: { ...data, stage: words.stage(c.name), previous_stage: c.previous ? words.stage(c.previous) : null, direction: c.change === 'reached' ? 'forward' : 'back' },
  };
}

/** The event of a segment_changes row, or null when it is not news. */
export function segmentEvent(c: SegmentChange, words: FrameworkLanguage): WebhookEvent | null {
  if (c.cause !== 'data') return null;
  return {
    id: `evt_s${c.seq}`,
    type: c.change === 'entered' ? 'segment.entered' : 'segment.left',
    created_at: c.recorded_at,
    sequence: c.seq,
    data: { account_id: c.account_id, day: c.day, summary: `${c.account_id} ${words.change({ kind: 'segment', name: c.segment, change: c.change })}`, segment: words.segment(c.segment) },
  };
}
