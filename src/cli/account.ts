import { frameworkLanguage, journeyStages, milestoneHistory, segmentHistory, type AccountStatus, type FrameworkLanguage, type MilestoneChange } from '../milestones/index.js';
import { sql, type Store } from '../store/index.js';
import { asOfOption } from './as-of.js';
import { CliError } from './errors.js';
import { print, printJson, printPairs } from './output.js';
import { statusesNote } from './milestones.js';
import { workspaceStatuses } from './refresh.js';
import { withWorkspace, type GlobalOptions } from './workspace.js';

interface TimelineEntry {
  day: string;
  what: string;
}

/** The account's story in days: signup, setup steps, milestones reached, churn. */
function timeline(a: AccountStatus, churnedDay: string | null, words: FrameworkLanguage): TimelineEntry[] {
  const entries: TimelineEntry[] = [{ day: a.signup_day, what: 'signed up' }];
  for (const [name, m] of Object.entries(a.milestones)) {
    const label = words.milestone(name).label;
    const steps = (m.detail.steps ?? []) as { label: string; done_at: string | null }[];
    for (const s of steps) if (s.done_at) entries.push({ day: s.done_at, what: `${label}: ${s.label}` });
    if (m.reached_at) entries.push({ day: m.reached_at, what: `reached ${label}` });
  }
  if (churnedDay) entries.push({ day: churnedDay, what: 'churned' });
  return entries.sort((x, y) => x.day.localeCompare(y.day));
}

async function monthlyActivity(store: Store, accountId: string, asOf: string) {
  const d = store.dialect;
  return store.query<{ month: string; events: string }>(
    sql`SELECT ${d.dayText(d.monthStart(sql`day`))} AS month, sum(n) AS events FROM account_activity
      WHERE account_id = ${accountId} AND day <= ${d.date(asOf)} GROUP BY month ORDER BY month`,
  );
}

/** Users identify or group calls moved into or out of the account, and which source did. */
async function userMoves(store: Store, accountId: string, asOf: string) {
  const d = store.dialect;
  const rows = await store.query<{ user_id: string; from_account: string; to_account: string; source: string; changed_at: string }>(
    sql`SELECT user_id, from_account, to_account, source, ${d.epochMs(sql`changed_at`)} AS changed_at FROM user_account_changes
      WHERE (from_account = ${accountId} OR to_account = ${accountId}) AND ${d.day(sql`changed_at`)} <= ${d.date(asOf)} ORDER BY changed_at, user_id`,
  );
  return rows.map((r) => ({ ...r, changed_at: new Date(Number(r.changed_at)).toISOString() }));
}

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
    const [a] = report.accounts;
    if (!a) throw new CliError(`no account ${JSON.stringify(id)} signed up by ${asOf}`);
    const churnedDay = a.churned_day;
    const words = frameworkLanguage(ws.milestones);
    const story = timeline(a, churnedDay, words);
    const activity = await monthlyActivity(store, id, asOf);
    const moves = await userMoves(store, id, asOf);
    // What refreshes recorded, up to the day asked about.
    const history = (await milestoneHistory(store, id)).filter((c) => c.day <= asOf);
    const segments = (await segmentHistory(store, id)).filter((c) => c.day <= asOf);
    if (opts.json) {
      return printJson({
        as_of: asOf,
        source: report.source,
        framework_version: report.framework_version,
        ...a,
        timeline: story,
        history,
        segment_history: segments,
        activity: activity.map((m) => ({ month: m.month.slice(0, 7), events: Number(m.events) })),
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
      const max = Math.max(...activity.map((m) => Number(m.events)));
      const bars = activity.map((m) => BARS[Math.round((Number(m.events) / max) * (BARS.length - 1))]).join('');
      print(`\nevents per month  ${activity[0].month.slice(0, 7)} ${bars} ${activity[activity.length - 1].month.slice(0, 7)}  (max ${max})`);
    }
  });
}
