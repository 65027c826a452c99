/**
 * The feature's adoption funnel, week by week since launch: of the accounts exposed so far
 * (in the audience, not held out, customers when the launch reached them), how many were aware,
 * showed intent, activated, adopted and are engaged, with Wilson 95% intervals. Stages nest: an
 * account at a later stage counts at every earlier one. Definitions:
 *  - aware, intent, activated: an event of the stage since launch, by the week's end;
 *  - adopted: adoption events in at least `adoption_weeks` distinct weeks since launch;
 *  - engaged (a state, not a milestone): adopted, and engagement events on at least
 *    `engagement_days` distinct days in the `engagement_window_days` ending with the week.
 */
import type { LaunchConfig } from '../config/index.js';
import { wilsonInterval } from '../stats/index.js';
import { dayText } from './day-numbers.js';
import type { DailyCounts } from './metric-values.js';
import { NEVER, type Population } from './population.js';

export const FUNNEL_STAGES = ['awareness', 'intent', 'activation', 'adoption', 'engagement'] as const;
export type FunnelStage = (typeof FUNNEL_STAGES)[number];

export interface StageShare {
  count: number;
  share: number | null;
  low: number | null;
  high: number | null;
}

export interface FunnelWeek {
  /** 0 for the launch week. */
  week: number;
  start: string;
  end: string;
  /** The last week, cut short by the report's date. */
  partial: boolean;
  exposed: number;
  stages: Record<FunnelStage, StageShare>;
}

export interface AdoptionFunnel {
  stages: readonly FunnelStage[];
  /** Stages with events of their own in the launch file; the others count only later stages. */
  declared: Record<FunnelStage, boolean>;
  definitions: LaunchConfig['funnel'];
  weeks: FunnelWeek[];
}

/** Each stage's events per account and day; later stages default to the activation events. */
export type StageCounts = Partial<Record<FunnelStage, DailyCounts>> & { activation: DailyCounts };

/** Accounts the launch reached by `day`: in the audience, not held out, customers on their exposure day. */
export function exposureDay(p: Population, a: number, launchDay: number): number | null {
  if (!p.inAudience[a] || p.inHoldout[a]) return null;
  const e = Math.max(launchDay, p.signup[a]);
  return p.churn[a] > e ? e : null;
}

export function adoptionFunnel(p: Population, launchDay: number, at: number, counts: StageCounts, definitions: LaunchConfig['funnel'], declared: Record<FunnelStage, boolean>): AdoptionFunnel {
  const adoption = counts.adoption ?? counts.activation;
  const engagement = counts.engagement ?? adoption;
  const firstUse = (c: DailyCounts | undefined, a: number) => {
    const days = c?.daysIn(a, launchDay, at + 1);
    return days && days.length > 0 ? days[0] : NEVER;
  };
  const n = p.ids.length;
  const exposed = new Int32Array(n).fill(NEVER);
  const reached = { awareness: new Int32Array(n), intent: new Int32Array(n), activation: new Int32Array(n), adoption: new Int32Array(n) };
  for (let a = 0; a < n; a++) {
    const e = exposureDay(p, a, launchDay);
    if (e === null || e > at) continue;
    exposed[a] = e;
    // The day the adoption_weeks-th distinct week of use began.
    let adopted = NEVER;
    let weeks = 0;
    let lastWeek = -1;
    for (const d of adoption.daysIn(a, launchDay, at + 1)) {
      const w = Math.floor((d - launchDay) / 7);
      if (w === lastWeek) continue;
      lastWeek = w;
      if (++weeks === definitions.adoption_weeks) {
        adopted = d;
        break;
      }
    }
    reached.adoption[a] = adopted;
    reached.activation[a] = Math.min(firstUse(counts.activation, a), adopted);
    reached.intent[a] = Math.min(firstUse(counts.intent, a), reached.activation[a]);
    reached.awareness[a] = Math.min(firstUse(counts.awareness, a), reached.intent[a]);
  }

  const weeks: FunnelWeek[] = [];
  for (let k = 0; launchDay + 7 * k <= at; k++) {
    const start = launchDay + 7 * k;
    const end = Math.min(start + 6, at);
    const tally = { awareness: 0, intent: 0, activation: 0, adoption: 0, engagement: 0, exposed: 0 };
    for (let a = 0; a < n; a++) {
      if (exposed[a] > end) continue;
      tally.exposed++;
      if (reached.awareness[a] <= end) tally.awareness++;
      if (reached.intent[a] <= end) tally.intent++;
      if (reached.activation[a] <= end) tally.activation++;
      if (reached.adoption[a] <= end) {
        tally.adoption++;
        const from = Math.max(launchDay, end - definitions.engagement_window_days + 1);
        if (engagement.activeDays(a, from, end + 1) >= definitions.engagement_days) tally.engagement++;
      }
    }
    const stages = {} as Record<FunnelStage, StageShare>;
    for (const s of FUNNEL_STAGES) stages[s] = shareOf(tally[s], tally.exposed);
    weeks.push({ week: k, start: dayText(start), end: dayText(end), partial: end < start + 6, exposed: tally.exposed, stages });
  }
  return { stages: FUNNEL_STAGES, declared, definitions, weeks };
}

function shareOf(count: number, total: number): StageShare {
  if (total === 0) return { count, share: null, low: null, high: null };
  const w = wilsonInterval(count, total);
  return { count, share: w.estimate, low: w.low, high: w.high };
}
