/** The demo product's price list: per-seat prices, seat ranges, plan mix and baseline churn. */

import type { Plan } from './catalog.js';
import { cumulative, type Rng } from './random.js';

export interface PlanSpec {
  plan: Plan;
  pricePerSeat: number;
  seats: readonly [number, number];
  /** Share of new signups on this plan. */
  share: number;
  /** Monthly churn hazard of an account that has reached no milestone and uses no driver. */
  monthlyChurnBase: number;
  /** Relative weights of each seat count at signup, from seats[0] upward (small teams are common). */
  seatWeights: readonly number[];
}

export const PLANS: readonly PlanSpec[] = [
  { plan: 'starter', pricePerSeat: 39, seats: [1, 3], share: 0.56, monthlyChurnBase: 0.1, seatWeights: [6, 3, 1.5] },
  { plan: 'pro', pricePerSeat: 99, seats: [2, 8], share: 0.3, monthlyChurnBase: 0.075, seatWeights: [4, 3, 2, 1.2, 0.8, 0.5, 0.3] },
  {
    plan: 'premium',
    pricePerSeat: 139,
    seats: [5, 20],
    share: 0.14,
    monthlyChurnBase: 0.05,
    seatWeights: [6, 4.5, 3, 2, 1.4, 1, 0.7, 0.5, 0.4, 0.3, 0.25, 0.2, 0.15, 0.1, 0.1, 0.1],
  },
];

export const PLAN_ORDER: readonly Plan[] = ['starter', 'pro', 'premium'];

const PLAN_CUMULATIVE = cumulative(PLANS.map((p) => p.share));
const SEAT_CUMULATIVE = PLANS.map((p) => cumulative(p.seatWeights));

export function planIndex(plan: Plan): number {
  return PLAN_ORDER.indexOf(plan);
}

export function pickPlan(rng: Rng): number {
  return rng.pickCumulative(PLAN_CUMULATIVE);
}

export function pickSeats(rng: Rng, plan: number): number {
  return PLANS[plan].seats[0] + rng.pickCumulative(SEAT_CUMULATIVE[plan]);
}

export function mrr(plan: number, seats: number): number {
  return PLANS[plan].pricePerSeat * seats;
}
