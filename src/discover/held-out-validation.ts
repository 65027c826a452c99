import type { MilestonesConfig } from '../config/index.js';
import { computeMilestones } from '../milestones/index.js';
import type { Store } from '../store/index.js';
import type { ValidationEvidence } from './evidence.js';
import type { LabelledAccount, RetentionSettings } from './retention-label.js';
import { validateMilestones } from './validation.js';

const DAY_MS = 86_400_000;
const dayMs = (d: string): number => Date.parse(`${d}T00:00:00Z`);

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
  const landmarkOf = (a: LabelledAccount) => new Date(dayMs(a.signup_day) + retention.earlyDays * DAY_MS).toISOString().slice(0, 10);
  const followDays = accounts.map((a) => Math.max(0, Math.round((dayMs(a.churn_day ?? asOf) - dayMs(landmarkOf(a))) / DAY_MS)));
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
