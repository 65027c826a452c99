/**
 * Three launches planted in the demo with known truths, so the outcome reports can be checked:
 *  - reply_suggestions (big): a real effect, a randomized holdout (bucket < 20). Half the
 *    suggestions an account accepts insert a macro, so adopters use macros far more; the
 *    report should say met.
 *  - inbox_shortcuts (small): no effect, but accounts that will stay adopt it far more than
 *    accounts about to churn, so adopters retain better; a naive comparison claims success,
 *    the report must not.
 *  - csv_export_v2 (small): never instrumented: its events are in no plan and never sent; the
 *    report must say it cannot judge.
 * The launches' events go to data/events-launches.jsonl; launches/*.yaml are written into the
 * demo workspace, and `truth()` joins ground-truth.json. Dates are set back from the data's end.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { launchBucket } from '../outcomes/index.js';
import type { AccountOutcome } from './account-behaviour.js';
import { accountId, accountTag } from './ids.js';
import { DAY_MS } from './planted-model.js';
import { hashSeed, Rng } from './random.js';
import { isoUtc } from './time.js';
import { BufferedWriter } from './writers.js';

const STREAM = 0x6c61756e;

/** The launches' events file, relative to the demo folder: data the demo replaces each run. */
export const LAUNCH_EVENTS_FILE = 'data/events-launches.jsonl';

/** The instrumented launches' events, declared in the demo product's tracking plan. */
export const LAUNCH_EVENTS = [
  { action: 'viewed', object: 'reply_suggestion', place: 'inbox' },
  { action: 'opened', object: 'reply_suggestion', place: 'inbox' },
  { action: 'accepted', object: 'reply_suggestion', place: 'inbox' },
  { action: 'viewed', object: 'shortcuts_tip', place: 'inbox' },
  { action: 'used', object: 'keyboard_shortcut', place: 'inbox' },
] as const;

export interface PlantedLaunch {
  name: string;
  truth: string;
  launched_at: string;
  declared_at: string;
  /** Verdicts consistent with what was planted. */
  expected: ('met' | 'not_met' | 'inconclusive' | 'too_early')[];
  /** Flags the report must raise. */
  flags: string[];
  /** The effect as realized in this data: extra outcome events per account of the treated arm over its window. */
  realized_effect?: number;
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
/** The Monday on or before a time, at midnight UTC. */
const monday = (ms: number) => {
  const d = Math.floor(ms / DAY_MS);
  return (d - ((d + 3) % 7)) * DAY_MS;
};

export class DemoLaunches {
  readonly file: string;
  /** The launches' events file; the generator drains and closes it with its other writers. */
  readonly out: BufferedWriter;
  private readonly at: { suggestions: number; shortcuts: number; export: number };
  /** Macro uses the launch added within 30 days of exposure, and the treated accounts they are over. */
  private readonly realized = { extra: 0, accounts: 0 };

  constructor(
    dataDir: string,
    private readonly seed: number,
    endMs: number,
  ) {
    this.file = path.join(dataDir, path.basename(LAUNCH_EVENTS_FILE));
    this.out = new BufferedWriter(this.file, 'ascii');
    this.at = { suggestions: monday(endMs - 243 * DAY_MS), shortcuts: monday(endMs - 271 * DAY_MS), export: monday(endMs - 180 * DAY_MS) };
  }

  /** Writes the account's launch events once its life is known. */
  finishAccount(index: number, a: AccountOutcome, endMs: number): void {
    const rng = new Rng(hashSeed(this.seed ^ STREAM, index));
    const id = accountId(index);
    const tag = accountTag(index);
    let seq = 0;
    const end = Math.min(endMs, Number.isNaN(a.churnedAt) ? Infinity : a.churnedAt);
    // Nothing after the account churned or the data ends.
    const write = (ts: number, action: string, object: string) => {
      if (ts >= end) return;
      this.out.write(`{"message_id":"ml_${tag}_${++seq}","timestamp":"${isoUtc(Math.floor(ts))}","account_id":"${id}","user_id":"u_${tag}_01","action":"${action}","object":"${object}","place":"inbox","metadata":{}}\n`);
    };

    // reply_suggestions: everyone but the holdout gets it; half the accepted suggestions insert a macro.
    const e1 = Math.max(this.at.suggestions, a.createdAt);
    if (e1 < end && launchBucket('reply_suggestions', id) >= 20) {
      const judged = e1 + 30 * DAY_MS <= endMs;
      if (judged) this.realized.accounts++;
      const aware = rng.chance(0.9) ? e1 + rng.exp(3 * DAY_MS) : Infinity;
      const intent = rng.chance(0.8) ? aware + rng.exp(2 * DAY_MS) : Infinity;
      const active = rng.chance(0.85) ? intent + rng.exp(2 * DAY_MS) : Infinity;
      if (aware < end) write(aware, 'viewed', 'reply_suggestion');
      if (intent < end) write(intent, 'opened', 'reply_suggestion');
      if (active < end) {
        // Weekly use at a steady habit rate, a few accepted suggestions each active week.
        const habit = 0.4 + 0.5 * rng.next();
        for (let t = active; t < end; t += 7 * DAY_MS) {
          if (!(t === active || rng.chance(habit))) continue;
          for (let k = rng.between(1, 4); k > 0; k--) {
            const at = t + rng.next() * 7 * DAY_MS;
            write(at, 'accepted', 'reply_suggestion');
            if (!rng.chance(0.5)) continue;
            write(at + 60_000, 'used', 'macro');
            if (judged && at + 60_000 < e1 + 30 * DAY_MS && at + 60_000 < end) this.realized.extra++;
          }
        }
      }
    }

    // inbox_shortcuts: no effect; those who will stay a year adopt it far more often.
    const e2 = Math.max(this.at.shortcuts, a.createdAt);
    if (e2 < end) {
      const stays = end - e2 > 180 * DAY_MS;
      if (rng.chance(0.8)) write(e2 + rng.exp(4 * DAY_MS), 'viewed', 'shortcuts_tip');
      if (rng.chance(stays ? 0.7 : 0.1)) {
        const first = e2 + rng.exp(5 * DAY_MS);
        for (let t = first; t < end; t += 7 * DAY_MS) if (t === first || rng.chance(0.6)) write(t, 'used', 'keyboard_shortcut');
      }
    }
    // csv_export_v2 sends nothing: it was never instrumented.
  }

  /**
   * Writes launches/*.yaml into the workspace where they are not yet: like the other config
   * files, one a person may have edited (decisions, actions) is kept. Returns those written.
   */
  async writeLaunchFiles(workspaceDir: string): Promise<string[]> {
    const dir = path.join(workspaceDir, 'launches');
    await mkdir(dir, { recursive: true });
    const files: string[] = [];
    for (const [name, text] of Object.entries(this.launchFiles())) {
      const file = path.join(dir, `${name}.yaml`);
      try {
        await writeFile(file, text, { flag: 'wx' });
        files.push(file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
    }
    return files;
  }

  private launchFiles(): Record<string, string> {
    return {
      reply_suggestions: `# Demo launch (planted: a real effect, randomized holdout). See ground-truth.json.
problem: Agents type the same answers again and again.
owner: automation-team
size: big
launched_at: ${day(this.at.suggestions)}
outcome:
  metric: { kind: count, when: { action: used, object: macro }, within_days: 30 }
  direction: increase
  target: { relative: 0.1 }
  rationale: Suggested replies built from macros make reusing answers the easy path.
events:
  awareness: [{ action: viewed, object: reply_suggestion }]
  intent: [{ action: opened, object: reply_suggestion }]
  activation: [{ action: accepted, object: reply_suggestion }]
holdout:
  segment: "bucket < 20"
  randomized: true
`,
      inbox_shortcuts: `# Demo launch (planted: no effect; adopters self-select). See ground-truth.json.
problem: Moving through the inbox takes too many clicks.
owner: inbox-team
size: small
launched_at: ${day(this.at.shortcuts)}
# The 90-day windows of accounts reached at launch have closed by then.
checkpoints: [120]
outcome:
  metric: { kind: retention, days: 90 }
  direction: increase
  target: { absolute: 0.03 }
  rationale: A faster inbox keeps teams in the product.
events:
  awareness: [{ action: viewed, object: shortcuts_tip }]
  activation: [{ action: used, object: keyboard_shortcut }]
`,
      csv_export_v2: `# Demo launch (planted: never instrumented). See ground-truth.json.
problem: Exports time out on large inboxes.
owner: reporting-team
size: small
launched_at: ${day(this.at.export)}
audience: "plan in ('pro', 'premium')"
outcome:
  metric: { kind: count, when: { action: exported, object: csv }, within_days: 30 }
  direction: increase
  target: { relative: 0.2 }
events:
  awareness: [{ action: viewed, object: export_dialog }]
  activation: [{ action: exported, object: conversation_csv }]
`,
    };
  }

  /** What was planted, for ground-truth.json and the demo's comparison. */
  truth(): PlantedLaunch[] {
    const declared = (ms: number) => day(ms - 28 * DAY_MS);
    return [
      {
        name: 'reply_suggestions',
        truth: `real effect: half the suggestions accepted insert a macro (+${(this.realized.extra / Math.max(1, this.realized.accounts)).toFixed(2)} macro uses per account over its first 30 days, across those not held out); 20% held out at random (bucket < 20)`,
        launched_at: day(this.at.suggestions),
        declared_at: declared(this.at.suggestions),
        expected: ['met'],
        flags: [],
        realized_effect: this.realized.accounts ? Math.round((this.realized.extra / this.realized.accounts) * 1e4) / 1e4 : 0,
      },
      {
        name: 'inbox_shortcuts',
        truth: 'no effect on retention; accounts that will stay adopt 7x as often as those about to churn (self-selection)',
        launched_at: day(this.at.shortcuts),
        declared_at: declared(this.at.shortcuts),
        expected: ['not_met', 'inconclusive'],
        flags: [],
      },
      {
        name: 'csv_export_v2',
        truth: 'never instrumented: its events are in no tracking plan and never arrive',
        launched_at: day(this.at.export),
        declared_at: declared(this.at.export),
        expected: ['inconclusive'],
        flags: ['no_instrumentation'],
      },
    ];
  }
}
