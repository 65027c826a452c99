import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadLaunch, parseMilestones, parseTrackingPlan, type Launch } from '../../src/config/index.js';
import type { AccountHistoryRow, TrackedEvent } from '../../src/model/index.js';
import { launchBucket } from '../../src/outcomes/index.js';
import { mulberry32 } from '../../src/stats/index.js';
import type { Store } from '../../src/store/index.js';
import type { TestEngine } from '../engines.js';
import { tempDir } from '../tmp.js';

/** Days as 'YYYY-MM-DD' from a day number relative to the launch (day 0). */
export const LAUNCH = '2025-06-02';
const LAUNCH_MS = Date.parse(`${LAUNCH}T00:00:00Z`);
export const day = (d: number): string => new Date(LAUNCH_MS + d * 86_400_000).toISOString().slice(0, 10);
const noon = (d: number) => LAUNCH_MS + d * 86_400_000 + 12 * 3_600_000;

export const FRAMEWORK = parseMilestones(
  'milestones:\n  activation:\n    kind: threshold\n    count: { action: closed, object: conversation }\n    within_days: 30\n    at_least: 5\n',
  'milestones.yaml',
);

export const PLAN_TEXT = `unplanned: flag
events:
  - { action: closed, object: conversation }
  - { action: viewed, object: tip, places: [inbox] }
  - { action: opened, object: helper }
  - { action: used, object: helper, metadata: { mode: { type: string, enum: [quick, full] } } }
`;
export const PLAN = parseTrackingPlan(PLAN_TEXT, 'tracking-plan.yaml');

export interface FixtureAccount {
  id: string;
  signup: number;
  churn?: number | null;
  plan?: string;
  seats?: number;
}

/** A workspace folder with launches/NAME.yaml holding `yaml`, loaded. */
export async function launchFile(name: string, yaml: string, feedback: Record<string, string> = {}): Promise<Launch> {
  const dir = await tempDir('cairn-launch-');
  await mkdir(path.join(dir, 'launches', name, 'feedback'), { recursive: true });
  const file = path.join(dir, 'launches', `${name}.yaml`);
  await writeFile(file, yaml);
  for (const [f, text] of Object.entries(feedback)) await writeFile(path.join(dir, 'launches', name, 'feedback', f), text);
  return loadLaunch(file, { milestones: Object.keys(FRAMEWORK.milestones) });
}

/** A fresh store on `engine` with these accounts, history and events. */
export async function fixtureStore(engine: TestEngine, accounts: FixtureAccount[], events: TrackedEvent[], history: AccountHistoryRow[] = []): Promise<Store> {
  const store = await engine.open();
  await store.upsertAccounts(
    accounts.map((a) => ({ accountId: a.id, name: a.id, createdAt: noon(a.signup) - 3 * 3_600_000, plan: a.plan ?? 'pro', seats: a.seats ?? 3, churnedAt: a.churn == null ? null : noon(a.churn) })),
  );
  if (history.length) await store.upsertAccountHistory(history);
  for (let i = 0; i < events.length; i += 50_000) await store.insertEvents(events.slice(i, i + 50_000), 'test');
  return store;
}

let seq = 0;
export function event(account: string, d: number, action: string, object: string, over: Partial<TrackedEvent> = {}): TrackedEvent {
  return { messageId: `f${seq++}`, accountId: account, userId: `${account}_u`, anonymousId: null, action, object, place: null, metadata: {}, timestamp: noon(d), count: 1, ...over };
}

/** Knuth's Poisson draw, fine for the small rates used here. */
export function poisson(random: () => number, lambda: number): number {
  const limit = Math.exp(-lambda);
  let k = 0;
  let p = random();
  while (p > limit) {
    k++;
    p *= random();
  }
  return k;
}

/**
 * A help desk whose accounts close conversations every week (one event a week carrying the
 * week's count). `rate(account, week)` is the expected count that week. Accounts sign up over
 * the 400 days before launch and the 100 after; data runs to day `end`.
 */
export function weeklyConversations(opts: { accounts: number; seed: number; end: number; rate: (a: FixtureAccount, week: number) => number; churn?: (a: FixtureAccount, random: () => number) => number | null; plan?: (i: number) => string }) {
  const random = mulberry32(opts.seed);
  const accounts: FixtureAccount[] = [];
  const events: TrackedEvent[] = [];
  for (let i = 0; i < opts.accounts; i++) {
    const a: FixtureAccount = { id: `acc_${String(i).padStart(4, '0')}`, signup: -400 + Math.floor((500 * i) / opts.accounts), plan: opts.plan?.(i) ?? 'pro' };
    a.churn = opts.churn?.(a, random) ?? null;
    accounts.push(a);
    const last = Math.min(opts.end, a.churn ?? Infinity);
    for (let w = Math.ceil(a.signup / 7); 7 * w <= last; w++) {
      const n = poisson(random, opts.rate(a, w));
      if (n > 0 && 7 * w >= a.signup) events.push(event(a.id, 7 * w, 'closed', 'conversation', { count: n }));
    }
  }
  return { accounts, events };
}

export const bucketOf = (launch: string, id: string) => launchBucket(launch, id);
