import type { MilestonesConfig } from '../config/index.js';
import { addDays, computeMilestones, daysBetween } from '../milestones/index.js';
import type { Store } from '../store/index.js';
import type { ValidationEvidence } from './evidence.js';
import type { LabelledAccount, RetentionSettings } from './retention-label.js';
import { validateMilestones } from './validation.js';

/**
 * Landmark validation of the proposal on the held-out cohorts: milestones reached by the end of
 * the early window (as the engine computes them from the proposal), churn after it.
 */
export async function validateHeldOut(
  store: Store,
  framework: MilestonesConfig,
  accounts: readonly LabelledAccount[],
  retention: RetentionSettings,
  asOf: string,
): Promise<ValidationEvidence> {
  const report = await computeMilestones(store, framework, asOf, { accounts: accounts.map((a) => a.account_id) });
  const statusOf = new Map(report.accounts.map((a) => [a.account_id, a]));
  const landmarkOf = (a: LabelledAccount) => addDays(a.signup_day, retention.earlyDays);
  const followDays = accounts.map((a) => Math.max(0, daysBetween(landmarkOf(a), a.churn_day ?? asOf)));
  const milestones = Object.keys(framework.milestones).map((name) => ({
    name,
    reached: Uint8Array.from(accounts, (a) => {
      const at = statusOf.get(a.account_id)?.milestones[name]?.reached_at ?? null;
      return at !== null && at < landmarkOf(a) ? 1 : 0;
    }),
  }));
  const validation = validateMilestones({
    landmarkDays: retention.earlyDays,
    eventLabel: 'churn',
    followDays,
    event: accounts.map((a) => a.churn_day !== null),
    retained: accounts.map((a) => a.retained),
    milestones,
  });
  const months = accounts.map((a) => a.signup_month).sort();
  return { accounts: { cohorts: [months[0], months[months.length - 1]], count: accounts.length }, ...validation };
}
