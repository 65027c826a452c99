import { accountProfile, frameworkLanguage, journeyStages, type FrameworkLanguage, type MilestoneChange } from '../milestones/index.js';
import { asOfOption } from './as-of.js';
import { CliError } from './errors.js';
import { print, printJson, printPairs } from './output.js';
import { statusesNote } from './milestones.js';
import { workspaceStatuses } from './refresh.js';
import { withWorkspace, type GlobalOptions } from './workspace.js';

const BARS = ' ▁▂▃▄▅▆▇█';

/** A recorded change as a person reads it. */
function describeChange(c: MilestoneChange, words: FrameworkLanguage): string {
  const what = words.change(c);
  const why = c.cause === 'data' ? '' : c.cause === 'backfill' ? '  (backfilled)' : '  (new framework)';
  return `${what}  [v${c.framework_version}]${why}`;
}

/** `cairn account ID`: one account's stage, milestones, next best step and story. */
export async function runAccount(id: string, opts: { asOf?: string; json?: boolean }, globals: GlobalOptions): Promise<void> {
  const asOf = asOfOption(opts.asOf);
  await withWorkspace(globals, async (ws, store) => {
    const report = await workspaceStatuses(ws, store, asOf, [id]);
    const profile = await accountProfile(store, ws.milestones, id, asOf, report.accounts[0] ?? null);
    if (!profile) throw new CliError(`no account ${JSON.stringify(id)} signed up by ${asOf}`);
    const { status: a, activity, users_moved: moves, history, segment_history: segments } = profile;
    const churnedDay = a.churned_day;
    const words = frameworkLanguage(ws.milestones);
    const story = profile.timeline.map(({ day, what }) => ({ day, what }));
    if (opts.json) {
      return printJson({
        as_of: asOf,
        source: report.source,
        framework_version: report.framework_version,
        ...a,
        timeline: story,
        history,
        segment_history: segments,
        activity,
        users_moved: moves,
      });
    }

    const stages = journeyStages(ws.milestones);
    const stage = stages.find((s) => s.name === a.stage);
    print(`${a.account_id} as of ${asOf}${a.churned ? `  (churned ${churnedDay})` : ''}  (${statusesNote(report)})`);
    printPairs([
      ['stage', `${stage?.label ?? a.stage}  (${stages.map((s) => (s.name === a.stage ? `[${s.label}]` : s.label)).join(' → ')})`],
      ['plan', a.plan],
      ['seats', a.seats],
      ['signed up', `${a.signup_day} (${a.age_days} days ago)`],
    ]);
    print('\nmilestones');
    const labels = Object.keys(a.milestones).map((name) => words.milestone(name).label);
    const width = Math.max(14, ...labels.map((l) => l.length));
    Object.entries(a.milestones).forEach(([, m], i) => {
      const state = m.reached ? `reached ${m.reached_at}` : `${Math.round(m.progress * 100)}%`;
      print(`  ${labels[i].padEnd(width)} ${state}`);
    });
    if (a.next_best_step) {
      print(`\nnext best step: ${a.next_best_step.action}`);
      print(`  why: ${a.next_best_step.reason}`);
    }
    print('\ntimeline');
    for (const e of story) print(`  ${e.day}  ${e.what}`);
    if (moves.length > 0) {
      print('\nusers moved by identify or group calls');
      for (const m of moves) print(`  ${m.changed_at.slice(0, 10)}  ${m.user_id}: ${m.from_account} → ${m.to_account}  (source ${m.source})`);
    }
    print('\nmilestone history (recorded by each refresh; framework version in brackets)');
    if (history.length === 0) print('  none recorded yet (`cairn refresh` records it)');
    for (const c of history) print(`  ${c.day}  ${describeChange(c, words)}`);
    if (segments.length > 0) {
      print('\nsegments entered and left');
      for (const c of segments) print(`  ${c.day}  ${words.change({ kind: 'segment', name: c.segment, change: c.change })}${c.cause === 'data' ? '' : c.cause === 'backfill' ? '  (when first judged)' : '  (new expression)'}`);
    }
    if (activity.length > 0) {
      const max = Math.max(...activity.map((m) => m.events));
      const bars = activity.map((m) => BARS[Math.round((m.events / max) * (BARS.length - 1))]).join('');
      print(`\nevents per month  ${activity[0].month} ${bars} ${activity[activity.length - 1].month}  (max ${max})`);
    }
  });
}
