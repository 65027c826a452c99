/**
 * Planted drift: the product changes under the demo's recent signup cohorts, so the periodic
 * review (`cairn review`) has something true to find. Accounts that sign up from the drift's
 * start on:
 *  - get the Messenger installed by the new onboarding, on their signup day: the step is done
 *    by everyone, so it no longer tells accounts apart (a step that stops mattering);
 *  - have a bot close stale and spam conversations too (unresolved): half as many again as
 *    their people close. Churn still follows the 20 conversations people close in 90 days, so on
 *    the closed conversations activation counts the bar that matters moved to about 30: the
 *    activation threshold moved. Resolved conversations (utilization) are not touched.
 * The other setup steps, utilization and maturity are untouched, and so is every account
 * that signed up before. Off unless asked for (DemoOptions.drift).
 */
import { SETUP_STEPS } from './catalog.js';
import { ACTIVATION } from './planted-model.js';
import { monthStart } from './time.js';

export const DRIFT = {
  /** Signups from the first day of the month this many months before the data's last month. */
  monthsBeforeEnd: 21,
  step: 'install_messenger',
  /** Conversations the bot closes per conversation people close. */
  botClosedPerConversation: 1.5,
} as const;

/** What differs for one drifted account. */
export interface AccountDrift {
  /** Index in SETUP_STEPS of the step done at signup. */
  stepDoneAtSignup: number;
  botClosedPerConversation: number;
}

const STEP = SETUP_STEPS.findIndex((s) => s.id === DRIFT.step);

/** The first signup time that drifts, for data ending at `endMs` (exclusive). */
export const driftStart = (endMs: number): number => monthStart(endMs - 1, -DRIFT.monthsBeforeEnd);

/** The drift of an account signing up at `createdAt`, or null (before the drift, or none planted). */
export function accountDrift(start: number | null, createdAt: number): AccountDrift | null {
  return start !== null && createdAt >= start ? { stepDoneAtSignup: STEP, botClosedPerConversation: DRIFT.botClosedPerConversation } : null;
}

/** The drift as ground-truth.json tells it. */
export type PlantedDrift = ReturnType<typeof driftTruth>;

export function driftTruth(start: number) {
  return {
    signups_from: new Date(start).toISOString().slice(0, 10),
    setup_step_done_by_everyone: DRIFT.step,
    activation: {
      bot_closed_per_conversation: DRIFT.botClosedPerConversation,
      // Closed conversations in 90 days at the planted bar, bot's included: the cut that moved.
      at_least_before: ACTIVATION.atLeast,
      at_least_after: Math.round(ACTIVATION.atLeast * (1 + DRIFT.botClosedPerConversation)),
      within_days: ACTIVATION.withinDays,
    },
    unchanged: ['the other setup steps', 'utilization', 'maturity'],
  };
}
