/**
 * Recomputes, from the demo files alone, the figures that show the planted truth: retention
 * by activation, around the threshold, by driver use, for the traps and by plan.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { accountViews, readCsv, readEventFiles, retention, type AccountView } from './demo-files.js';

const DAY = 86_400_000;

export interface TruthStats {
  truth: GroundTruthFile;
  old: number;
  activated: { n: number; share: number };
  notActivated: { n: number; share: number };
  justAbove: { n: number; share: number };
  justBelow: { n: number; share: number };
  /** By the plan at signup (account-history's first row), so upgrades do not flatter premium. */
  planRetention: Record<string, { n: number; share: number }>;
  /** Retention lift (users minus non-users) of mature features, drivers and decoys first used within the landmark, among accounts alive then. */
  landmarkLift: Map<string, { users: number; lift: number }>;
  everUsedLift: Map<string, number>;
  ubiquitousPrevalence: number;
  ubiquitousUsers: { n: number; share: number };
  ubiquitousNonUsers: { n: number; share: number };
  ubiquitousAmongActivated: number;
  ubiquitousAmongNotActivated: number;
  nicheAccountPlans: Set<string>;
  nicheAmongPremium: number;
}

export interface GroundTruthFile {
  end: string;
  activation: { action: string; object: string; at_least: number; within_days: number };
  drivers: { action: string; object: string; hazard_ratio: number }[];
  decoys: { action: string; object: string; twin_of: string }[];
  maturity: { categories: Record<string, { basic: { action: string; object: string }[]; mature: { action: string; object: string }[] }> };
  traps: { ubiquitous: { action: string; object: string }; premium_niche: { action: string; object: string } };
  plans: Record<string, { price_per_seat: number; seats: [number, number] }>;
}

const key = (f: { action: string; object: string }): string => `${f.action} ${f.object}`;
const usedBefore = (a: AccountView, k: string, t: number): boolean => (a.firstUse.get(k) ?? Infinity) < t;

export function truthStats(dir: string, landmarkDays = 120, oldDays = 274): TruthStats {
  const truth = JSON.parse(readFileSync(join(dir, 'ground-truth.json'), 'utf8')) as GroundTruthFile;
  const files = readEventFiles([join(dir, 'data/events.jsonl'), join(dir, 'data/events-late.jsonl')]);
  const A = truth.activation.at_least;
  const endMs = Date.parse(truth.end) + DAY;
  const views = [...accountViews(join(dir, 'data/accounts.csv'), files.events, truth.activation.within_days).values()];

  // Old enough that retention (not churned by the end) means something.
  const old = views.filter((a) => a.createdAt <= endMs - oldDays * DAY);
  const landmark = landmarkDays * DAY;
  const alive = old.filter((a) => !(a.churnedAt < a.createdAt + landmark));
  const landmarkLift = new Map<string, { users: number; lift: number }>();
  const everUsedLift = new Map<string, number>();
  const matureKeys = Object.values(truth.maturity.categories).flatMap((c) => c.mature.map(key));
  for (const k of new Set([...matureKeys, ...truth.drivers.map(key), ...truth.decoys.map(key)])) {
    const users = alive.filter((a) => usedBefore(a, k, a.createdAt + landmark));
    const others = alive.filter((a) => !usedBefore(a, k, a.createdAt + landmark));
    landmarkLift.set(k, { users: users.length, lift: retention(users).share - retention(others).share });
    everUsedLift.set(k, retention(old.filter((a) => a.firstUse.has(k))).share - retention(old.filter((a) => !a.firstUse.has(k))).share);
  }

  const ubiquitous = key(truth.traps.ubiquitous);
  const settled = views.filter((a) => a.createdAt <= endMs - 30 * DAY);
  const settledOld = views.filter((a) => a.createdAt <= endMs - 91 * DAY);
  const share = (group: AccountView[], test: (a: AccountView) => boolean): number => group.filter(test).length / group.length;
  const niche = key(truth.traps.premium_niche);
  const signupPlan = new Map<string, string>();
  for (const row of readCsv(join(dir, 'data/account-history.csv'))) if (!signupPlan.has(row.account_id)) signupPlan.set(row.account_id, row.plan);
  const premium = views.filter((a) => a.plan === 'premium' && a.createdAt <= endMs - 30 * DAY);

  return {
    truth,
    old: old.length,
    activated: retention(old.filter((a) => a.closedEarly >= A)),
    notActivated: retention(old.filter((a) => a.closedEarly < A)),
    justAbove: retention(old.filter((a) => a.closedEarly >= A && a.closedEarly < A + 10)),
    justBelow: retention(old.filter((a) => a.closedEarly >= A - 10 && a.closedEarly < A)),
    landmarkLift,
    everUsedLift,
    ubiquitousPrevalence: share(settled, (a) => a.firstUse.has(ubiquitous)),
    ubiquitousUsers: retention(settledOld.filter((a) => a.firstUse.has(ubiquitous))),
    ubiquitousNonUsers: retention(settledOld.filter((a) => !a.firstUse.has(ubiquitous))),
    ubiquitousAmongActivated: share(settledOld.filter((a) => a.closedEarly >= A), (a) => a.firstUse.has(ubiquitous)),
    ubiquitousAmongNotActivated: share(settledOld.filter((a) => a.closedEarly < A), (a) => a.firstUse.has(ubiquitous)),
    nicheAccountPlans: new Set(views.filter((a) => a.firstUse.has(niche)).map((a) => a.plan)),
    nicheAmongPremium: share(premium, (a) => a.firstUse.has(niche)),
    planRetention: Object.fromEntries(['starter', 'pro', 'premium'].map((p) => [p, retention(old.filter((a) => signupPlan.get(a.id) === p))])),
  };
}
