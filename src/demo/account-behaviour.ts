/**
 * Simulates one account from signup to churn or the end of the data, calendar month by
 * calendar month: setup, conversations, feature adoption, then at each month end the churn,
 * dormancy and seat decisions of the planted model (planted-model.ts), using only what
 * happened up to that month end.
 */

import { CATEGORIES, FEATURES, SETUP_STEPS } from './catalog.js';
import { ALT_TYPE, CLOSED, FEATURE_TYPE0, OPENED, SETUP_TYPE0, featureIndex } from './event-types.js';
import { FEATURE_USAGE } from './feature-usage.js';
import { accountTag } from './ids.js';
import { MonthEvents } from './month-events.js';
import { companyName } from './names.js';
import {
  ACTIVATION,
  CONVERSATIONS,
  DAY_MS,
  DORMANCY,
  DRIVERS,
  FADE_BEFORE_CHURN,
  FIT,
  MATURITY,
  NULL_WORLD,
  SETUP_EFFECTS,
  SIGNUP_GROWTH,
  TRAPS,
  USAGE,
  UTILIZATION,
  type DemoWorld,
} from './planted-model.js';
import { PLANS, mrr, pickPlan, pickSeats } from './plans.js';
import { Rng, hashSeed } from './random.js';
import { monthIndex, timeInWindow } from './time.js';
import { accountDrift, type AccountDrift } from './drift.js';

export interface SimContext {
  seed: number;
  world: DemoWorld;
  accounts: number;
  /** First possible signup (ms). */
  spanStart: number;
  /** Exclusive end of the data (ms). */
  endMs: number;
  /** Calendar month starts covering spanStart..endMs plus one month. */
  grid: readonly number[];
  /** Signups from this time on drift (drift.ts); null: no drift planted. */
  driftFrom?: number | null;
}

export interface HistoryRow {
  validFrom: number;
  plan: number;
  seats: number;
  mrr: number;
  status: 'active' | 'churned';
}

export interface AccountOutcome {
  index: number;
  name: string;
  createdAt: number;
  plan: number;
  seats: number;
  /** NaN while a customer at the end of the data. */
  churnedAt: number;
  users: number;
  history: HistoryRow[];
  /** Realized truth, summarised in ground-truth.json. */
  activated: boolean;
  dormant: boolean;
  matureCategoriesAtEnd: number;
  usedUbiquitous: boolean;
  usedPremiumNiche: boolean;
  driversUsed: number;
  /** Full calendar months with a churn decision, and those that met the utilization bar. */
  fullMonths: number;
  utilizingMonths: number;
}

/** Receives an account's events, in time order within each month. */
export type EmitEvent = (ts: number, type: number, user: number, metadata: string) => void;

const INF = Number.POSITIVE_INFINITY;
const UBIQUITOUS = featureIndex(TRAPS.ubiquitous.action, TRAPS.ubiquitous.object);
const NICHE = featureIndex(TRAPS.premiumNiche.action, TRAPS.premiumNiche.object);
const PREMIUM = PLANS.findIndex((p) => p.plan === 'premium');
const DRIVER_FEATURES = DRIVERS.map((d) => featureIndex(d.action, d.object));
const DRIVER_HR = DRIVERS.map((d) => d.hazardRatio);
const EXCLUDED = new Set(MATURITY.excluded.map((e) => featureIndex(e.action, e.object)));
/** Category index counted for planted maturity, or -1. */
const MATURE_CATEGORY = FEATURES.map((f, i) =>
  f.level === 'mature' && f.category && !EXCLUDED.has(i) ? CATEGORIES.indexOf(f.category) : -1,
);
const FEATURE_PLANS = FEATURES.map((f) => (f.plans ? PLANS.map((p) => f.plans!.includes(p.plan)) : null));
const ADMIN_PLACE = FEATURES.map((f) => f.place === 'settings' || f.place === 'developer_hub');
const STEP_COMPLETION_LOGIT = SETUP_STEPS.map((s) => logit(SETUP_EFFECTS[s.id].completion));
const STEP_MISSING = SETUP_STEPS.map((s) => SETUP_EFFECTS[s.id].rateWhenMissing);
const INVITE_STEP = SETUP_STEPS.findIndex((s) => s.id === 'invite_teammates');
const LOG_GROWTH = Math.log(SIGNUP_GROWTH);
const FEATURE_ALT = FEATURES.map((f, i) => ({ type: ALT_TYPE[i], share: f.altPlace?.share ?? 0 }));
const CHANNELS = ['messenger', 'messenger', 'messenger', 'email', 'email', 'whatsapp'].map((c) => `,"channel":"${c}"}`);

function logit(p: number): number {
  return Math.log(p / (1 - p));
}

function logistic(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

export function simulateAccount(ctx: SimContext, index: number, month: MonthEvents, emit: EmitEvent): AccountOutcome {
  return new AccountLife(ctx, index, month, emit).run();
}

/** One account's state while its life is simulated, month by month. */
class AccountLife {
  private readonly rng: Rng;
  private readonly accountTag: string;
  private readonly createdAt: number;
  private readonly name: string;
  private readonly fit: number;
  private readonly logRateBase: number;
  private readonly resolvedShare: number;
  private readonly activationEnd: number;
  private readonly exploreFrom: number;
  private readonly stepAt: number[];
  private readonly adoptedAt: number[];
  private readonly lastMatureUse: number[];
  private readonly history: HistoryRow[];
  private readonly drift: AccountDrift | null;
  private plan: number;
  private seats: number;
  private users: number;
  private setupInvites: number;
  private nicheRolled = false;
  private churnAt = INF;
  private dormantAt = INF;
  private closedInWindow = 0;
  private activated = false;
  private utilizingPrev = false;
  private matureCount = 0;
  private ar = 0;
  private conversations = 0;
  private pendingInvites = 0;
  private usedUbiquitous = false;
  private usedNiche = false;
  private fullMonths = 0;
  private utilizingMonths = 0;

  constructor(
    private readonly ctx: SimContext,
    private readonly index: number,
    private readonly month: MonthEvents,
    private readonly emit: EmitEvent,
  ) {
    const rng = (this.rng = new Rng(hashSeed(ctx.seed, index)));
    this.accountTag = accountTag(index);

    // Signups spread over the span with exponential growth; account ids follow signup order.
    const q = (index + rng.next()) / ctx.accounts;
    const x = Math.log(1 + q * (SIGNUP_GROWTH - 1)) / LOG_GROWTH;
    const createdAt = (this.createdAt = Math.floor(ctx.spanStart + x * (ctx.endMs - ctx.spanStart)));
    this.name = companyName(rng);
    this.plan = pickPlan(rng);
    this.seats = pickSeats(rng, this.plan);
    this.users = this.seats + rng.poisson(1.2);
    const fit = (this.fit = rng.normal());
    this.logRateBase = Math.log(CONVERSATIONS.perSeatMedian) + CONVERSATIONS.fitWeight * fit + CONVERSATIONS.accountSd * rng.normal();
    this.resolvedShare = Math.min(0.97, Math.max(0.45, CONVERSATIONS.resolvedShare + 0.05 * fit + 0.05 * rng.normal()));
    // The window is counted in whole days from the signup day, as the milestone engine counts it.
    this.activationEnd = Math.floor(createdAt / DAY_MS) * DAY_MS + ACTIVATION.withinDays * DAY_MS;
    this.setupInvites = Math.max(1, this.users - 1);

    // Setup: usual order with the odd swap; gaps of days, sometimes weeks; fit helps completion.
    this.stepAt = new Array<number>(SETUP_STEPS.length).fill(INF);
    const order = SETUP_STEPS.map((_, i) => i);
    for (let i = 0; i + 1 < order.length; i++) {
      if (rng.chance(0.15)) [order[i], order[i + 1]] = [order[i + 1], order[i]];
    }
    let t = createdAt + rng.exp(DAY_MS / 3);
    for (const s of order) {
      t += rng.chance(0.12) ? rng.exp(20 * DAY_MS) : rng.exp(2.5 * DAY_MS);
      if (rng.chance(logistic(STEP_COMPLETION_LOGIT[s] + 0.9 * fit))) this.stepAt[s] = Math.floor(t);
    }
    // The same draws either way, so drift changes nothing else about the account.
    this.drift = accountDrift(ctx.driftFrom ?? null, createdAt);
    if (this.drift) this.stepAt[this.drift.stepDoneAtSignup] = createdAt;

    this.exploreFrom = Math.min(createdAt + DAY_MS, ...this.stepAt);

    // The traps are drawn apart from fit and behaviour, early, before any churn decision can bite.
    this.adoptedAt = new Array<number>(FEATURES.length).fill(INF);
    if (rng.chance(TRAPS.ubiquitous.prevalence)) {
      const delay = Math.floor(Math.min(rng.exp(2 * DAY_MS), TRAPS.ubiquitous.withinDays * DAY_MS));
      this.adoptedAt[UBIQUITOUS] = Math.max(this.exploreFrom, createdAt + delay);
    }
    if (this.plan === PREMIUM) this.rollNiche(createdAt);

    this.lastMatureUse = new Array<number>(CATEGORIES.length).fill(-INF);
    this.history = [{ validFrom: createdAt, plan: this.plan, seats: this.seats, mrr: mrr(this.plan, this.seats), status: 'active' }];
  }

  run(): AccountOutcome {
    const { grid, endMs } = this.ctx;
    const firstMonth = monthIndex(grid, this.createdAt);
    for (let mi = firstMonth; grid[mi] < endMs; mi++) {
      const mStart = grid[mi];
      const mEnd = grid[mi + 1];
      const from = Math.max(mStart, this.createdAt);
      const to = Math.min(mEnd, endMs, this.churnAt, this.dormantAt);
      const resolved = to > from ? this.liveMonth(mi - firstMonth, from, to, (to - from) / (mEnd - mStart)) : 0;
      // Month-end decisions; none after the data ends or once churn is scheduled.
      if (mEnd >= endMs || this.churnAt !== INF) break;
      this.decide(mStart, mEnd, grid[mi + 2], resolved);
    }
    return this.outcome();
  }

  /** Generates one month's events in [from, to) and returns the resolved conversations. */
  private liveMonth(age: number, from: number, to: number, frac: number): number {
    const month = this.month;
    month.clear();
    this.setupEvents(from, to);
    const rate = this.conversationRate(age);
    const resolved = this.conversationEvents(from, to, rate * this.seats * frac);
    this.featureEvents(age, from, to, frac, rate);
    const { ts, type, user, metadata } = month;
    for (const i of month.inTimeOrder()) this.emit(ts[i], type[i], user[i], metadata[i]);
    return resolved;
  }

  private setupEvents(from: number, to: number): void {
    const { stepAt, rng } = this;
    for (let s = 0; s < stepAt.length; s++) {
      if (stepAt[s] < from || stepAt[s] >= to) continue;
      const repeats = s === INVITE_STEP ? this.setupInvites : 1;
      for (let k = 0, ts = stepAt[s]; k < repeats && ts < to; k++, ts += Math.floor(rng.exp(600_000))) {
        this.month.add(ts, SETUP_TYPE0 + s, this.pickUser(true), s === INVITE_STEP ? '{"role":"agent"}' : '{}');
      }
    }
    for (; this.pendingInvites > 0; this.pendingInvites--) {
      this.month.add(Math.min(to - 1, from + Math.floor(rng.exp(DAY_MS))), SETUP_TYPE0 + INVITE_STEP, this.pickUser(true), '{"role":"agent"}');
    }
  }

  /** Closed conversations per seat per month: account level, wobble, trend, ramp, habit. */
  private conversationRate(age: number): number {
    this.ar = CONVERSATIONS.monthlyPersistence * this.ar + CONVERSATIONS.monthlySd * this.rng.normal();
    const ramp = age < CONVERSATIONS.ramp.length ? CONVERSATIONS.ramp[age] : 1;
    const trend = CONVERSATIONS.trendPerMonth * this.fit * age;
    return Math.exp(this.logRateBase + this.ar + trend) * ramp * (this.activated ? ACTIVATION.rateBoost : 1) * this.fade();
  }

  /** Use fades once churn is decided, until the account leaves (a planted link, so not in the null world). */
  private fade(): number {
    return this.churnAt === INF || this.ctx.world === 'null' ? 1 : FADE_BEFORE_CHURN;
  }

  /** Closed times drawn in the window, thinned while setup steps are missing. */
  private conversationEvents(from: number, to: number, expected: number): number {
    const { rng, month } = this;
    let resolved = 0;
    let closedByPeople = 0;
    const drawn = rng.poisson(expected);
    for (let i = 0; i < drawn; i++) {
      const closedTs = this.at(from, to);
      if (!rng.chance(this.setupMultiplier(closedTs))) continue;
      const id = `{"conversation_id":"c_${this.accountTag}_${++this.conversations}"`;
      const openedTs = Math.max(this.createdAt, closedTs - Math.floor(rng.exp(5 * 3_600_000)));
      month.add(openedTs, OPENED, this.pickUser(false), id + CHANNELS[rng.int(CHANNELS.length)]);
      const isResolved = rng.chance(this.resolvedShare);
      month.add(closedTs, CLOSED, this.pickUser(false), (isResolved ? '{"state":"resolved",' : '{"state":"unresolved",') + id.slice(1) + '}');
      if (isResolved) resolved++;
      if (closedTs < this.activationEnd) this.closedInWindow++;
      closedByPeople++;
    }
    if (this.drift) this.botClosed(from, to, closedByPeople * this.drift.botClosedPerConversation);
    for (let i = rng.poisson(drawn * CONVERSATIONS.neverClosedShare); i > 0; i--) {
      const id = `{"conversation_id":"c_${this.accountTag}_${++this.conversations}"`;
      month.add(this.at(from, to), OPENED, this.pickUser(false), id + CHANNELS[rng.int(CHANNELS.length)]);
    }
    return resolved;
  }

  /** Conversations a bot closes, stale or spam (drift.ts): closed but unresolved, no effect on churn. */
  private botClosed(from: number, to: number, expected: number): void {
    const { rng, month } = this;
    for (let i = rng.poisson(expected); i > 0; i--) {
      const id = `{"conversation_id":"c_${this.accountTag}_${++this.conversations}"`;
      const closedTs = this.at(from, to);
      month.add(Math.max(this.createdAt, closedTs - Math.floor(rng.exp(600_000))), OPENED, this.pickUser(false), id + CHANNELS[0]);
      month.add(closedTs, CLOSED, this.pickUser(false), '{"state":"unresolved",' + id.slice(1) + '}');
    }
  }

  /** Adoption hazards rise with fit and with the milestones already reached. */
  private featureEvents(age: number, windowFrom: number, to: number, frac: number, rate: number): void {
    const { rng, adoptedAt } = this;
    // Nobody explores the product before the first setup step (or a day after signup).
    const from = Math.max(windowFrom, this.exploreFrom);
    if (from >= to) return;
    const sqrtSeats = Math.sqrt(this.seats); // per-agent work grows slower than the team
    const engagement = Math.min(1.2, Math.sqrt(rate / CONVERSATIONS.perSeatMedian)); // busy teams use more of the product
    const boost = (this.utilizingPrev ? 1.3 : 1) * (this.activated ? 1.2 : 1);
    const early = age < 3 ? 1.8 : age < 6 ? 1 : 0.6; // features are mostly tried while onboarding
    const fitFactor = this.fit;
    for (let f = 0; f < FEATURES.length; f++) {
      const allowed = FEATURE_PLANS[f];
      if (allowed && !allowed[this.plan]) continue;
      const u = FEATURE_USAGE[f];
      const adopted = adoptedAt[f];
      if (adopted === INF) {
        if (u.adoptHazard === 0 || (u.requires >= 0 && adoptedAt[u.requires] >= from)) continue;
        const h = Math.min(0.95, u.adoptHazard * Math.exp(u.fitWeight * fitFactor) * boost * early * frac);
        if (rng.chance(h)) {
          const ts = this.at(from, to);
          adoptedAt[f] = ts;
          this.addFeature(f, ts);
        }
      } else if (adopted >= from) {
        if (adopted < to) this.addFeature(f, adopted); // a scheduled first use (the traps)
      } else if (rng.chance(u.activeProb * engagement * this.fade() * Math.min(1, frac * 1.5))) {
        const n = 1 + rng.poisson(u.extraMean * (u.perSeat ? sqrtSeats : 1) * frac);
        for (let k = 0; k < n; k++) this.addFeature(f, this.at(from, to));
      }
    }
  }

  private addFeature(f: number, ts: number): void {
    const meta = FEATURE_USAGE[f].metadata;
    const alt = FEATURE_ALT[f];
    const type = alt.type >= 0 && this.rng.chance(alt.share) ? alt.type : FEATURE_TYPE0 + f;
    this.month.add(ts, type, this.pickUser(ADMIN_PLACE[f]), meta[this.rng.int(meta.length)]);
    const c = MATURE_CATEGORY[f];
    if (c >= 0 && ts > this.lastMatureUse[c]) this.lastMatureUse[c] = ts;
    if (f === UBIQUITOUS) this.usedUbiquitous = true;
    else if (f === NICHE) this.usedNiche = true;
  }

  /** The planted model at a month end: churn, else maybe dormancy, else maybe a seat change. */
  private decide(mStart: number, mEnd: number, nextEnd: number, resolved: number): void {
    const { rng } = this;
    this.activated = this.closedInWindow >= ACTIVATION.atLeast;
    const utilizing = resolved / this.seats >= UTILIZATION.perMonthPerSeatAtLeast;
    this.matureCount = 0;
    for (const last of this.lastMatureUse) if (last > mEnd - MATURITY.windowDays * DAY_MS) this.matureCount++;
    const exposure = (mEnd - Math.max(mStart, this.createdAt)) / (mEnd - mStart);
    if (exposure === 1 && this.dormantAt > mEnd) {
      this.fullMonths++;
      if (utilizing) this.utilizingMonths++;
    }

    const planted = this.ctx.world === 'planted';
    const hazard = (planted ? this.plantedHazard(utilizing, exposure > 0 ? resolved / exposure : 0, mEnd) : NULL_WORLD.monthlyChurn) * exposure;
    if (rng.chance(hazard)) {
      this.churnAt = mEnd + Math.floor(rng.next() * (nextEnd - mEnd));
    } else if (this.dormantAt === INF) {
      let dormancy = (planted ? DORMANCY.monthlyHazardBase : NULL_WORLD.monthlyDormancy) * exposure;
      if (planted && this.activated) dormancy *= ACTIVATION.dormancyHazardRatio;
      if (planted && utilizing) dormancy *= UTILIZATION.dormancyHazardRatio;
      if (rng.chance(dormancy)) this.dormantAt = mEnd + Math.floor(rng.next() * (nextEnd - mEnd));
    }
    if (this.churnAt === INF && this.dormantAt === INF) this.changeSeats(utilizing, mEnd);
    this.utilizingPrev = utilizing;
  }

  /** The planted monthly churn hazard: plan base × the hazard ratios of every condition met; `resolved` per full month. */
  private plantedHazard(utilizing: boolean, resolved: number, mEnd: number): number {
    let hazard = PLANS[this.plan].monthlyChurnBase * FIT.churnHazardRatioPerSd ** this.fit;
    if (this.activated) hazard *= ACTIVATION.hazardRatio;
    if (utilizing) hazard *= UTILIZATION.hazardRatio;
    const doublings = Math.max(-USAGE.maxDoublings, Math.min(USAGE.maxDoublings, Math.log2(resolved / this.seats / USAGE.medianPerSeat)));
    hazard *= USAGE.hazardRatioPerDoubling ** doublings;
    for (let d = 0; d < DRIVER_FEATURES.length; d++) if (this.adoptedAt[DRIVER_FEATURES[d]] < mEnd) hazard *= DRIVER_HR[d];
    if (this.matureCount >= MATURITY.matureInAtLeast) hazard *= MATURITY.hazardRatio;
    return hazard;
  }

  /** Seat and plan changes take effect at the month start, so each month has one seat count. */
  private changeSeats(utilizing: boolean, effective: number): void {
    const { rng, plan, seats } = this;
    const spec = PLANS[plan];
    const mature = this.matureCount >= MATURITY.matureInAtLeast;
    let newPlan = plan;
    let newSeats = seats;
    if (rng.chance(0.02 + (utilizing ? 0.05 : 0) + (mature ? 0.02 : 0))) {
      if (seats < spec.seats[1]) newSeats = Math.min(spec.seats[1], seats + (seats >= 8 && rng.chance(0.4) ? 2 : 1));
      else if (plan < PREMIUM && rng.chance(0.6)) newPlan = plan + 1;
    } else if (rng.chance(0.012 + (utilizing ? 0 : 0.02))) {
      newSeats = Math.max(spec.seats[0], seats - 1);
    } else if (plan < PREMIUM && rng.chance(plan === 0 ? (utilizing ? 0.01 : 0.002) : mature ? 0.015 : 0.002)) {
      newPlan = plan + 1;
    }
    if (newPlan !== plan) newSeats = Math.max(newSeats + 1, PLANS[newPlan].seats[0]);
    if (newPlan === plan && newSeats === seats) return;
    if (newSeats > seats) {
      this.pendingInvites += newSeats - seats;
      this.users += newSeats - seats;
      if (this.stepAt[INVITE_STEP] === INF) {
        this.stepAt[INVITE_STEP] = effective; // a first invite, late: the pending invites are its events
        this.setupInvites = 0;
      }
    }
    if (newPlan === PREMIUM && !this.nicheRolled) this.rollNiche(effective);
    this.plan = newPlan;
    this.seats = newSeats;
    this.history.push({ validFrom: effective, plan: newPlan, seats: newSeats, mrr: mrr(newPlan, newSeats), status: 'active' });
  }

  private rollNiche(from: number): void {
    this.nicheRolled = true;
    const { rng } = this;
    if (rng.chance(TRAPS.premiumNiche.adoption)) {
      this.adoptedAt[NICHE] = Math.max(this.exploreFrom, from + Math.floor(rng.next() * TRAPS.premiumNiche.withinDays * DAY_MS));
    }
  }

  private setupMultiplier(at: number): number {
    let m = 1;
    for (let s = 0; s < this.stepAt.length; s++) if (this.stepAt[s] > at) m *= STEP_MISSING[s];
    return m;
  }

  private pickUser(admin: boolean): number {
    return admin && this.rng.chance(0.85) ? 1 : 1 + this.rng.int(this.users);
  }

  private at(from: number, to: number): number {
    return timeInWindow(this.rng.next(), this.rng.next(), from, to);
  }

  private outcome(): AccountOutcome {
    const { endMs } = this.ctx;
    const churned = this.churnAt < endMs;
    if (churned) this.history.push({ validFrom: this.churnAt, plan: this.plan, seats: this.seats, mrr: 0, status: 'churned' });
    let driversUsed = 0;
    for (const f of DRIVER_FEATURES) if (this.adoptedAt[f] < endMs) driversUsed++;
    return {
      index: this.index,
      name: this.name,
      createdAt: this.createdAt,
      plan: this.plan,
      seats: this.seats,
      churnedAt: churned ? this.churnAt : Number.NaN,
      users: this.users,
      history: this.history,
      activated: this.closedInWindow >= ACTIVATION.atLeast,
      dormant: !churned && this.dormantAt < endMs,
      matureCategoriesAtEnd: churned ? 0 : this.matureCount,
      usedUbiquitous: this.usedUbiquitous,
      usedPremiumNiche: this.usedNiche,
      driversUsed,
      fullMonths: this.fullMonths,
      utilizingMonths: this.utilizingMonths,
    };
  }
}
