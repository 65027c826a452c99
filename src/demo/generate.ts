/**
 * src/demo owns Cairn's realistic demo data: an Intercom-like help desk SaaS whose accounts
 * sign up, set up, talk to their customers, adopt features, upgrade, go dormant and churn
 * under a planted causal model (planted-model.ts). It writes import-format-v1 files plus
 * ground-truth.json, streaming (nothing is held for the whole run) and deterministically:
 * the same options give byte-identical files.
 *
 * Layout: catalog (feature names) → feature-usage, plans, planted-model (parameters) →
 * account-behaviour (one account's life) → event-output (lines and noise) → writers.
 */

import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { csvText } from '../model/index.js';
import { simulateAccount, type SimContext } from './account-behaviour.js';
import { EventOutput } from './event-output.js';
import { accountId } from './ids.js';
import { RealizedTally, groundTruth } from './ground-truth.js';
import { MonthEvents } from './month-events.js';
import { DAY_MS, WORLDS, type DemoWorld } from './planted-model.js';
import { driftStart, driftTruth } from './drift.js';
import { PLANS } from './plans.js';
import { monthGrid } from './time.js';
import { BufferedWriter } from './writers.js';
import { DemoLaunches } from './launches.js';

export interface DemoOptions {
  /** Output folder: data files go to dir/data/, ground-truth.json to dir/. */
  dir: string;
  /** Default 42. */
  seed?: number;
  /** Default 2,000; up to 50,000 (more works, slowly). */
  accounts?: number;
  /** Months over which accounts sign up, ending at `end`. Default 18. */
  months?: number;
  /** Last day of data, ISO date. Default '2026-10-31', fixed so output is deterministic. */
  end?: string;
  /** Stop starting new accounts once this many event lines are written (benchmarks). */
  maxEvents?: number;
  /** Default true: malformed, duplicate, late, out-of-order and Segment-shaped lines. */
  noise?: boolean;
  /** 'planted' (default): the model in planted-model.ts; 'null': the same behaviour, churn independent of it. */
  world?: DemoWorld;
  /** Default false: the three planted launches (launches.ts), their events and launches/*.yaml. */
  launches?: boolean;
  /** Default false: plant drift in the recent signup cohorts (drift.ts), for the review to find. */
  drift?: boolean;
  onProgress?: (doneAccounts: number, totalAccounts: number) => void;
}

export interface DemoResult {
  /** Absolute paths. */
  files: { events: string[]; accounts: string; accountHistory: string; groundTruth: string };
  counts: {
    /** Accounts generated (fewer than asked when maxEvents stopped the run). */
    accounts: number;
    users: number;
    /** Every line of every events file, noise included. */
    eventLines: number;
    malformedLines: number;
    /** Re-sent copies (same message_id and content), in either events file. */
    duplicateLines: number;
  };
}

const DEFAULTS = { seed: 42, accounts: 2000, months: 18, end: '2026-10-31', noise: true, world: 'planted' } as const;
const PROGRESS_EVERY = 100;

type CheckedOptions = Required<Omit<DemoOptions, 'maxEvents' | 'onProgress' | 'launches' | 'drift'>>;

function checkOptions(opts: DemoOptions): CheckedOptions {
  const o: CheckedOptions = {
    dir: opts.dir,
    seed: opts.seed ?? DEFAULTS.seed,
    accounts: opts.accounts ?? DEFAULTS.accounts,
    months: opts.months ?? DEFAULTS.months,
    end: opts.end ?? DEFAULTS.end,
    noise: opts.noise ?? DEFAULTS.noise,
    world: opts.world ?? DEFAULTS.world,
  };
  if (typeof o.dir !== 'string' || o.dir === '') throw new Error('invalid dir: expected a folder path');
  if (!Number.isInteger(o.seed)) throw new Error(`invalid seed: ${o.seed} (expected an integer)`);
  if (!Number.isInteger(o.accounts) || o.accounts < 1 || o.accounts > 9_999_999) {
    throw new Error(`invalid accounts: ${o.accounts} (expected an integer from 1 to 9,999,999)`);
  }
  if (!Number.isInteger(o.months) || o.months < 1 || o.months > 240) throw new Error(`invalid months: ${o.months} (expected 1 to 240)`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(o.end) || Number.isNaN(Date.parse(o.end))) {
    throw new Error(`invalid end: ${o.end} (expected an ISO date such as 2026-10-31)`);
  }
  if (!WORLDS.includes(o.world)) throw new Error(`invalid world: ${String(o.world)} (expected ${WORLDS.join(' or ')})`);
  if (opts.maxEvents !== undefined && !(opts.maxEvents > 0)) throw new Error(`invalid maxEvents: ${opts.maxEvents}`);
  return o;
}

export async function generateDemo(opts: DemoOptions): Promise<DemoResult> {
  const o = checkOptions(opts);
  const dir = resolve(o.dir);
  const dataDir = join(dir, 'data');
  await mkdir(dataDir, { recursive: true });

  const endMs = Date.parse(o.end) + DAY_MS; // the whole `end` day is data
  const spanStart = new Date(endMs);
  spanStart.setUTCMonth(spanStart.getUTCMonth() - o.months);
  const ctx: SimContext = {
    seed: o.seed,
    world: o.world,
    accounts: o.accounts,
    spanStart: spanStart.getTime(),
    endMs,
    grid: monthGrid(spanStart.getTime(), endMs),
    driftFrom: opts.drift ? driftStart(endMs) : null,
  };

  const files = {
    events: [join(dataDir, 'events.jsonl'), ...(o.noise ? [join(dataDir, 'events-late.jsonl')] : [])],
    accounts: join(dataDir, 'accounts.csv'),
    accountHistory: join(dataDir, 'account-history.csv'),
    groundTruth: join(dir, 'ground-truth.json'),
  };
  // A late file left by an earlier noisy run would otherwise be imported with this clean one.
  if (!o.noise) await rm(join(dataDir, 'events-late.jsonl'), { force: true });
  const mainEvents = new BufferedWriter(files.events[0], 'ascii');
  const lateEvents = o.noise ? new BufferedWriter(files.events[1], 'ascii') : null;
  const accounts = new BufferedWriter(files.accounts);
  const history = new BufferedWriter(files.accountHistory);
  const launches = opts.launches ? new DemoLaunches(dataDir, o.seed, endMs) : null;
  if (launches) files.events.push(launches.file);
  const writers = [mainEvents, ...(lateEvents ? [lateEvents] : []), accounts, history, ...(launches ? [launches.out] : [])];
  accounts.write(csvText([['account_id', 'name', 'created_at', 'plan', 'seats', 'churned_at']]));
  history.write(csvText([['account_id', 'valid_from', 'plan', 'seats', 'mrr', 'status']]));

  const output = new EventOutput(mainEvents, lateEvents, o.seed, endMs);
  const month = new MonthEvents();
  const tally = new RealizedTally(endMs);
  let done = 0;
  let users = 0;
  try {
    while (done < o.accounts && !(opts.maxEvents !== undefined && output.lines >= opts.maxEvents)) {
      output.startAccount(done);
      const a = simulateAccount(ctx, done, month, output.emit);
      launches?.finishAccount(done, a, endMs);
      const id = accountId(done);
      accounts.write(
        csvText([[id, a.name, new Date(a.createdAt).toISOString(), PLANS[a.plan].plan, a.seats, Number.isNaN(a.churnedAt) ? '' : new Date(a.churnedAt).toISOString()]]),
      );
      history.write(csvText(a.history.map((h) => [id, new Date(h.validFrom).toISOString(), PLANS[h.plan].plan, h.seats, h.mrr, h.status])));
      tally.add(a);
      users += a.users;
      done++;
      if (done % PROGRESS_EVERY === 0) opts.onProgress?.(done, o.accounts);
      for (const w of writers) await w.drained();
    }
    output.finish();
  } finally {
    await Promise.all(writers.map((w) => w.close()));
  }
  opts.onProgress?.(done, o.accounts);

  const truth = groundTruth({
    seed: o.seed,
    world: o.world,
    accountsRequested: o.accounts,
    accounts: done,
    months: o.months,
    end: o.end,
    spanStart: ctx.spanStart,
    endMs,
    noise: o.noise,
    noiseCounts: output.counts,
    realized: tally.summary(),
  });
  await launches?.writeLaunchFiles(dir);
  const planted = { ...(ctx.driftFrom ? { drift: driftTruth(ctx.driftFrom) } : {}), ...(launches ? { launches: launches.truth() } : {}) };
  await writeFile(files.groundTruth, JSON.stringify({ ...truth, ...planted }, null, 2) + '\n');

  return {
    files,
    counts: {
      accounts: done,
      users,
      eventLines: output.lines,
      malformedLines: output.counts.malformedLines,
      duplicateLines: output.counts.duplicateLines,
    },
  };
}
