import type { AccountProfile, MilestoneChange, MilestoneResult, RecentEvent, SegmentChange } from '../../milestones/index.js';
import { getJson, query } from '../api-client.js';
import { chart } from '../charts.js';
import { count, h, minute, pct, prose, table } from '../dom.js';
import { href, labelOf, stageLabel, statusesNote, type PageBody, type StatusesSource, type WorkspaceInfo } from '../shell.js';

type Profile = AccountProfile & StatusesSource & { events: RecentEvent[] };
type Detail = Record<string, unknown>;

/** What is done and what is missing, in the words of the milestone's kind. */
function missing(kind: string, m: MilestoneResult): HTMLElement | null {
  const d = m.detail as Detail;
  switch (kind) {
    case 'checklist': {
      const steps = d.steps as { id: string; label: string; done: boolean; done_at: string | null }[];
      return h(
        'div',
        {},
        h('p', {}, `${d.done} of ${steps.length} steps done; ${d.needed} needed.`),
        h('ul', { class: 'steps' }, steps.map((s) => h('li', { class: s.done ? 'done' : 'todo' }, h('span', { 'aria-hidden': 'true' }, s.done ? '✓ ' : '○ '), s.label, s.done ? ` — ${s.done_at}` : h('span', { class: 'sr' }, ' — not done')))),
      );
    }
    case 'threshold':
      return h('p', {}, `${count(d.count as number)} of ${d.at_least} ${d.counts} within ${d.within_days} days of signup; the window ${d.window_open ? `is open until ${d.window_ends} (${d.days_left} days left)` : `closed on ${d.window_ends}`}.`);
    case 'per_seat':
      return h('p', {}, `Needs ${d.per_month_per_seat_at_least} ${d.counts} per seat per month with ${d.seats} seats; best month so far ${d.best_rate ?? '—'} per seat, last month ${d.last_month_rate ?? '—'}, this month so far ${d.this_month_rate_so_far ?? '—'}.`);
    case 'categories': {
      const cats = d.categories as { name: string; label: string; level: string; mature_features_used: string[]; mature_features_needed: number }[];
      return h(
        'div',
        {},
        h('p', {}, `Mature in ${d.mature_now} of the ${d.mature_in_at_least} categories needed (last ${d.window_days} days).`),
        h('ul', { class: 'steps' }, cats.map((c) => h('li', { class: c.level === 'mature' ? 'done' : 'todo' }, `${c.label}: ${c.level}`, c.mature_features_used.length ? ` (${c.mature_features_used.join(', ')})` : ''))),
      );
    }
    default:
      return null;
  }
}

function milestoneSection(ws: WorkspaceInfo, name: string, m: MilestoneResult): HTMLElement {
  const def = ws.milestones.find((x) => x.name === name);
  const id = `progress-${name}`;
  return h(
    'section',
    { class: `milestone ${m.reached ? 'reached' : 'open'}`, 'data-milestone': name },
    h('h3', {}, labelOf(ws, name), ' ', h('span', { class: 'tag' }, m.reached ? `reached ${m.reached_at}` : 'not reached')),
    def?.description ? h('p', { class: 'note' }, def.description) : null,
    h('label', { for: id, class: 'sr' }, `${labelOf(ws, name)} progress`),
    h('progress', { id, max: 1, value: m.progress }, pct(m.progress, 0)),
    h('span', { class: 'n' }, ` ${pct(m.progress, 0)}`),
    missing(def?.kind ?? '', m),
  );
}

const CAUSES: Record<MilestoneChange['cause'], string> = { data: 'new data', backfill: 'backfilled from the data', framework: 'a new milestones.yaml' };

/** A recorded change in the workspace's words: a milestone reached or lost, a stage moved to. */
function changeWords(ws: WorkspaceInfo, c: MilestoneChange): string {
  if (c.kind === 'milestone') return `${c.change === 'reached' ? 'Reached' : 'Lost'} ${labelOf(ws, c.name)}`;
  const from = c.previous === null ? '' : ` from ${stageLabel(ws, c.previous)}`;
  return `${c.change === 'reached' ? 'Moved on' : 'Moved back'}${from} to ${stageLabel(ws, c.name)}`;
}

/** Every change the status refreshes recorded for the account, newest first, with the framework version that judged it. */
function historySection(ws: WorkspaceInfo, history: MilestoneChange[]): HTMLElement {
  const rows = [...history].reverse().map((c) => [h('time', { datetime: c.day }, c.day), changeWords(ws, c), `v${c.framework_version}`, CAUSES[c.cause] ?? c.cause, minute(c.recorded_at)]);
  return h(
    'section',
    { class: 'panel', id: 'history' },
    h('h2', {}, 'Milestone history'),
    history.length
      ? table('What each status refresh recorded for this account, newest first: the day it happened, the framework version that judged it, and why it was recorded', ['Day', 'Change', 'Framework', 'Recorded because of', 'Recorded (UTC)'], rows, { class: 'history' })
      : h('p', {}, ...prose('Nothing recorded yet: the statuses have not been refreshed since this account signed up (`cairn refresh` records it).')),
  );
}

const SEGMENT_CAUSES: Record<SegmentChange['cause'], string> = { data: 'new data', backfill: 'when the segment was first judged', framework: 'a new expression' };

/** Segments of milestones.yaml the account entered and left, newest first; nothing when none. */
function segmentsSection(changes: SegmentChange[]): HTMLElement | null {
  if (changes.length === 0) return null;
  const rows = [...changes].reverse().map((c) => [h('time', { datetime: c.day }, c.day), `${c.change === 'entered' ? 'Entered' : 'Left'} ${c.segment}`, SEGMENT_CAUSES[c.cause] ?? c.cause]);
  return h('section', { class: 'panel', id: 'segments' }, h('h2', {}, 'Segments entered and left'), table('Segments of milestones.yaml this account entered and left, newest first', ['Day', 'Change', 'Recorded because of'], rows, { class: 'segment-history' }));
}

export const accountPage: PageBody = {
  async render(ctx) {
    const id = ctx.rest[0] ?? '';
    const p = await getJson<Profile>(`/accounts/${encodeURIComponent(id)}${query({ as_of: ctx.asOf })}`);
    const a = p.status;
    const ws = ctx.workspace;
    const stageIndex = ws.stages.findIndex((s) => s.name === a.stage);
    return h(
      'div',
      {},
      h('p', { class: 'crumbs' }, h('a', { href: href('accounts') }, 'Accounts'), ' / ', a.account_id),
      h('h1', { tabindex: -1 }, a.account_id, a.churned ? h('span', { class: 'tag warn' }, ` churned ${a.churned_day}`) : null),
      h('p', { class: 'note', 'data-statuses': p.source }, `As of ${p.as_of}. `, statusesNote(p)),
      h(
        'ol',
        { class: 'journey', 'aria-label': 'Journey stages' },
        ws.stages.map((s, i) => h('li', { class: i < stageIndex ? 'past' : i === stageIndex ? 'current' : 'future', 'aria-current': i === stageIndex ? 'step' : null }, s.label)),
      ),
      h(
        'dl',
        { class: 'facts' },
        h('dt', {}, 'Stage'),
        h('dd', { 'data-field': 'stage' }, stageLabel(ws, a.stage)),
        h('dt', {}, 'Plan'),
        h('dd', {}, a.plan ?? '—'),
        h('dt', {}, 'Seats'),
        h('dd', {}, a.seats ?? '—'),
        h('dt', {}, 'Signed up'),
        h('dd', {}, `${a.signup_day} (${a.age_days} days before ${p.as_of})`),
      ),
      h(
        'section',
        { class: 'panel next' },
        h('h2', {}, 'Next best step'),
        a.next_best_step
          ? [h('p', { class: 'figure', 'data-field': 'next-action' }, a.next_best_step.action), h('p', {}, h('strong', {}, 'Why: '), ...prose(a.next_best_step.reason))]
          : h('p', {}, a.churned ? 'None: the account has churned.' : 'None: every milestone is reached.'),
      ),
      h('section', { class: 'panel' }, h('h2', {}, 'Milestones'), Object.entries(a.milestones).map(([name, m]) => milestoneSection(ws, name, m))),
      h('section', { class: 'panel' }, h('h2', {}, 'Timeline'), h('ol', { class: 'timeline' }, p.timeline.map((t) => h('li', {}, h('time', { datetime: t.day }, t.day), ' ', t.what)))),
      historySection(ws, p.history),
      segmentsSection(p.segment_history),
      p.activity.length
        ? h(
            'section',
            { class: 'panel' },
            h('h2', {}, 'Events per month'),
            chart(`Events per month of ${a.account_id}`, {
              grid: { left: 50, right: 20, top: 10, bottom: 30 },
              tooltip: { trigger: 'axis' },
              xAxis: { type: 'category', data: p.activity.map((m) => m.month) },
              yAxis: { type: 'value' },
              series: [{ type: 'bar', name: 'events', data: p.activity.map((m) => m.events) }],
            }, 220),
          )
        : null,
      h(
        'section',
        { class: 'panel' },
        h('h2', {}, 'Last events'),
        p.events.length
          ? h('details', {}, h('summary', {}, `The last ${p.events.length} events`), table(`The last ${p.events.length} events, newest first`, ['Time (UTC)', 'Action', 'Object', 'Place', 'User', 'Source', 'Count'], p.events.map((e) => [e.timestamp.replace('T', ' ').slice(0, 19), e.action, e.object, e.place ?? '—', e.user_id ?? '—', e.source, count(e.count)])))
          : h('p', {}, 'No events up to this day.'),
      ),
      p.users_moved.length
        ? h('section', { class: 'panel' }, h('h2', {}, 'Users moved by identify or group calls'), table('Users moved in or out', ['User', 'From', 'To', 'Source', 'When'], p.users_moved.map((m) => [m.user_id, m.from_account, m.to_account, m.source, m.changed_at.slice(0, 10)])))
        : null,
    );
  },
};
