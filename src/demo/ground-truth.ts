/**
 * ground-truth.json: the planted model in the shape the milestone config uses, plus what the
 * simulation actually realized, so discovery can be scored against both.
 */

import { CATEGORIES, FEATURES, SETUP_STEPS, type Category } from './catalog.js';
import type { AccountOutcome } from './account-behaviour.js';
import type { NoiseCounts } from './event-output.js';
import {
  ACTIVATION,
  CONVERSATIONS,
  DAY_MS,
  DECOYS,
  DORMANCY,
  DRIVERS,
  FADE_BEFORE_CHURN,
  FIT,
  MATURITY,
  NOISE,
  NULL_WORLD,
  SETUP_EFFECTS,
  SIGNUP_GROWTH,
  TRAPS,
  USAGE,
  UTILIZATION,
  type DemoWorld,
} from './planted-model.js';
import { PLANS } from './plans.js';

const YEAR_MS = 365 * DAY_MS;
const round = (x: number, digits = 4): number => Math.round(x * 10 ** digits) / 10 ** digits;
const share = (num: number, den: number): number | null => (den === 0 ? null : round(num / den));

/** Accumulates realized outcomes account by account (the accounts are never all in memory). */
export class RealizedTally {
  private accounts = 0;
  private churned = 0;
  private dormant = 0;
  private matureAtEnd = 0;
  private activationEligible = 0;
  private activated = 0;
  private ubiquitousEligible = 0;
  private ubiquitous = 0;
  private premium = 0;
  private niche = 0;
  private anyDriver = 0;
  private fullMonths = 0;
  private utilizingMonths = 0;
  private readonly retained12 = new Map<string, [number, number]>();

  constructor(private readonly endMs: number) {}

  add(o: AccountOutcome): void {
    const age = this.endMs - o.createdAt;
    const churned = !Number.isNaN(o.churnedAt);
    this.accounts++;
    if (churned) this.churned++;
    else {
      if (o.dormant) this.dormant++;
      if (o.matureCategoriesAtEnd >= MATURITY.matureInAtLeast) this.matureAtEnd++;
    }
    if (age >= ACTIVATION.withinDays * DAY_MS) {
      this.activationEligible++;
      if (o.activated) this.activated++;
    }
    if (age >= 30 * DAY_MS) {
      this.ubiquitousEligible++;
      if (o.usedUbiquitous) this.ubiquitous++;
    }
    if (PLANS[o.plan].plan === 'premium') {
      this.premium++;
      if (o.usedPremiumNiche) this.niche++;
    }
    if (o.driversUsed > 0) this.anyDriver++;
    this.fullMonths += o.fullMonths;
    this.utilizingMonths += o.utilizingMonths;
    if (age >= YEAR_MS) {
      const kept = !churned || o.churnedAt - o.createdAt > YEAR_MS ? 1 : 0;
      const initialPlan = PLANS[o.history[0].plan].plan;
      for (const key of ['all', o.activated ? 'activated' : 'not_activated', `plan_${initialPlan}`]) {
        const cell = this.retained12.get(key) ?? [0, 0];
        cell[0] += kept;
        cell[1]++;
        this.retained12.set(key, cell);
      }
    }
  }

  summary(): Record<string, unknown> {
    const customers = this.accounts - this.churned;
    const retention: Record<string, { accounts: number; retained_share: number | null }> = {};
    for (const key of ['all', 'activated', 'not_activated', 'plan_starter', 'plan_pro', 'plan_premium']) {
      const [kept, n] = this.retained12.get(key) ?? [0, 0];
      retention[key] = { accounts: n, retained_share: share(kept, n) };
    }
    return {
      accounts: this.accounts,
      churned_by_end: this.churned,
      customers_at_end: customers,
      dormant_customers_at_end: this.dormant,
      dormant_share_of_customers: share(this.dormant, customers),
      activated_share: share(this.activated, this.activationEligible),
      utilizing_share_of_active_full_months: share(this.utilizingMonths, this.fullMonths),
      mature_in_at_least_3_share_of_customers: share(this.matureAtEnd, customers),
      any_driver_used_share: share(this.anyDriver, this.accounts),
      ubiquitous_prevalence: share(this.ubiquitous, this.ubiquitousEligible),
      premium_niche_share_of_premium: share(this.niche, this.premium),
      retention_12_months_after_signup: { ...retention, note: 'accounts at least 12 months old; plan_* by plan at signup' },
    };
  }
}

export interface GroundTruthInput {
  seed: number;
  world: DemoWorld;
  accountsRequested: number;
  accounts: number;
  months: number;
  end: string;
  spanStart: number;
  endMs: number;
  noise: boolean;
  noiseCounts: NoiseCounts;
  realized: Record<string, unknown>;
}

function maturityCategories(): Record<string, { basic: { action: string; object: string }[]; mature: { action: string; object: string }[] }> {
  const excluded = new Set(MATURITY.excluded.map((e) => `${e.action} ${e.object}`));
  const out: ReturnType<typeof maturityCategories> = {};
  for (const c of CATEGORIES) out[c] = { basic: [], mature: [] };
  for (const f of FEATURES) {
    if (!f.category || !f.level || excluded.has(`${f.action} ${f.object}`)) continue;
    out[f.category as Category][f.level].push({ action: f.action, object: f.object });
  }
  return out;
}

export function groundTruth(g: GroundTruthInput): Record<string, unknown> {
  const planted = g.world === 'planted';
  return {
    generator: 'cairn demo v2',
    world: g.world,
    seed: g.seed,
    accounts: g.accounts,
    accounts_requested: g.accountsRequested,
    end: g.end,
    signups: {
      from: new Date(g.spanStart).toISOString(),
      before: new Date(g.endMs).toISOString(),
      months: g.months,
      growth_factor_over_span: SIGNUP_GROWTH,
    },
    data_through: new Date(g.endMs - 1).toISOString(),
    churn_model: planted
      ? 'At each calendar-month end an account churns (churned_at falls in the next month) with probability ' +
        'plans[plan].monthly_churn_base × fit_churn_hazard_ratio_per_sd^fit × the hazard ratios of every condition it meets at that ' +
        'moment: activation reached, utilization met in that month, usage_effect for the month\'s resolved conversations per seat, ' +
        'each driver used at least once before, mature in >= 3 categories. The first partial month is scaled by its length. ' +
        'Account fit drives behaviour and churn both: every usage feature is confounded by it.'
      : `The null world: at each calendar-month end every account churns with probability ${NULL_WORLD.monthlyChurn} ` +
        '(the first partial month scaled by its length), whatever it does, whatever its plan or fit. Nothing predicts retention.',
    activation: planted
      ? {
          action: ACTIVATION.action,
          object: ACTIVATION.object,
          at_least: ACTIVATION.atLeast,
          within_days: ACTIVATION.withinDays,
          hazard_ratio: ACTIVATION.hazardRatio,
          conversation_rate_boost_after: ACTIVATION.rateBoost,
        }
      : null,
    utilization: planted
      ? {
          action: UTILIZATION.action,
          object: UTILIZATION.object,
          metadata: UTILIZATION.metadata,
          per_month_per_seat_at_least: UTILIZATION.perMonthPerSeatAtLeast,
          month: 'calendar month (UTC); seats are those in account-history at the month start (changes take effect on the 1st)',
          hazard_ratio: UTILIZATION.hazardRatio,
        }
      : null,
    usage_effect: planted
      ? {
          hazard_ratio_per_doubling: USAGE.hazardRatioPerDoubling,
          of: 'resolved conversations per seat in the month, over median_per_seat',
          median_per_seat: USAGE.medianPerSeat,
          max_doublings: USAGE.maxDoublings,
        }
      : null,
    confounding: planted ? { fit_churn_hazard_ratio_per_sd: FIT.churnHazardRatioPerSd, fit: 'a standard normal per account; it raises setup, conversations and adoption' } : null,
    setup_steps: SETUP_STEPS.map((s) => s.id),
    setup_effects: SETUP_STEPS.map((s) => ({
      id: s.id,
      action: s.action,
      object: s.object,
      completion_rate_average_fit: SETUP_EFFECTS[s.id].completion,
      conversation_rate_multiplier_while_missing: SETUP_EFFECTS[s.id].rateWhenMissing,
      effect: SETUP_EFFECTS[s.id].rateWhenMissing < 1 ? 'raises conversation volume, hence activation' : 'none (routine step)',
    })),
    drivers: planted ? DRIVERS.map((d) => ({ action: d.action, object: d.object, category: d.category, hazard_ratio: d.hazardRatio })) : [],
    decoys: planted ? DECOYS.map((d) => ({ action: d.action, object: d.object, twin_of: d.twin, effect: 'none; adopted and used as its twin driver' })) : [],
    maturity: planted
      ? {
          mature_in_at_least: MATURITY.matureInAtLeast,
          hazard_ratio_mature: MATURITY.hazardRatio,
          window_days: MATURITY.windowDays,
          rule: 'a category is mature while one of its mature features was used in the trailing window',
          excluded_from_maturity: MATURITY.excluded,
          categories: maturityCategories(),
        }
      : null,
    place_variants: FEATURES.filter((f) => f.altPlace).map((f) => ({ action: f.action, object: f.object, places: [f.place, f.altPlace!.place], share_of_second: f.altPlace!.share })),
    fade_before_churn: { rate_multiplier: FADE_BEFORE_CHURN, when: 'from the month end churn is decided until the account leaves' },
    plans: Object.fromEntries(
      PLANS.map((p) => [p.plan, { price_per_seat: p.pricePerSeat, seats: p.seats, share: p.share, monthly_churn_base: planted ? p.monthlyChurnBase : NULL_WORLD.monthlyChurn }]),
    ),
    mrr: 'price_per_seat × seats on active rows; 0 on the churned row',
    feature_adoption:
      'Each feature is first used with a monthly hazard that rises with account fit, with activation and with the ' +
      'previous month\'s utilization, and is highest in the first three months; so every feature correlates with ' +
      (planted ? 'retention somewhat, and only the drivers (and maturity) cause it.' : 'fit, and none with retention.'),
    conversations: {
      closed_per_seat_per_month_median: CONVERSATIONS.perSeatMedian,
      resolved_share: CONVERSATIONS.resolvedShare,
      first_months_ramp: CONVERSATIONS.ramp,
    },
    traps: {
      ubiquitous: {
        action: TRAPS.ubiquitous.action,
        object: TRAPS.ubiquitous.object,
        prevalence_target: TRAPS.ubiquitous.prevalence,
        first_use_within_days: TRAPS.ubiquitous.withinDays,
        effect: 'none',
      },
      premium_niche: {
        action: TRAPS.premiumNiche.action,
        object: TRAPS.premiumNiche.object,
        plans: ['premium'],
        adoption_among_premium_target: TRAPS.premiumNiche.adoption,
        effect: 'none (plan confounded)',
      },
    },
    dormancy: {
      rule: 'at a month end a non-churning account may go silent: no events from a day in the next month on, still paying',
      monthly_hazard_base: planted ? DORMANCY.monthlyHazardBase : NULL_WORLD.monthlyDormancy,
      hazard_ratio_activated: planted ? ACTIVATION.dormancyHazardRatio : 1,
      hazard_ratio_utilizing: planted ? UTILIZATION.dormancyHazardRatio : 1,
      silent_days_to_call_dormant: DORMANCY.silentDays,
      target_share_of_survivors: DORMANCY.targetShareOfSurvivors,
    },
    noise: {
      enabled: g.noise,
      rates: g.noise
        ? {
            malformed_lines: 1 / NOISE.malformedEvery,
            segment_shaped_lines: 1 / NOISE.segmentEvery,
            duplicate_retries_in_events: NOISE.duplicateRate,
            duplicates_resent_in_late_file: NOISE.lateDuplicateRate,
            late_events: NOISE.lateRate,
            late_events_last_days: { days: NOISE.lateRecentDays, rate: NOISE.lateRecentRate },
            out_of_order_swaps: NOISE.swapRate,
          }
        : null,
      counts: {
        malformed_lines: g.noiseCounts.malformedLines,
        duplicate_lines: g.noiseCounts.duplicateLines,
        segment_lines: g.noiseCounts.segmentLines,
        late_events: g.noiseCounts.lateEvents,
        swapped_lines: g.noiseCounts.swappedLines,
      },
      order: 'events.jsonl is grouped by account, in time order within each account-month, plus the swaps above',
    },
    realized: g.realized,
  };
}
