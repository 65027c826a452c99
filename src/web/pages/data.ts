import type { DayCount, PlanCoverage, QuarantineList, ReplaySummary } from '../../collect/index.js';
import type { StoreStats } from '../../store/index.js';
import { getJson, postJson, query } from '../api-client.js';
import { chart } from '../charts.js';
import { ago, card, count, fill, h, minute, prose, table } from '../dom.js';
import type { PageBody, PageContext } from '../shell.js';

interface DataQuality {
  as_of: string;
  from: string;
  freshness: { newest_event_at: string | null; newest_event_age_seconds: number | null; last_received_at: string | null; last_received_age_seconds: number | null };
  stats: StoreStats;
  events_per_day: DayCount[];
  coverage: PlanCoverage;
}

interface CollectorState {
  running: boolean;
  health: Record<string, unknown> | null;
  keys: { name: string; kind: string; prefix: string; created_at: string; revoked_at: string | null }[];
}

const ms = (v: number | null) => (v === null ? '—' : ago(v / 1000));

function perDayChart(d: DataQuality): HTMLElement {
  const days: string[] = [];
  for (let t = Date.parse(`${d.from}T00:00:00Z`); t <= Date.parse(`${d.as_of}T00:00:00Z`); t += 86_400_000) days.push(new Date(t).toISOString().slice(0, 10));
  const sources = [...new Set(d.events_per_day.map((r) => r.source))].sort();
  const at = new Map(d.events_per_day.map((r) => [`${r.day} ${r.source}`, r.events]));
  return chart(`Events per day (of their time) and per source, ${d.from} to ${d.as_of}`, {
    grid: { left: 60, right: 20, top: 40, bottom: 30 },
    legend: { top: 0 },
    tooltip: { trigger: 'axis' },
    xAxis: { type: 'category', data: days },
    yAxis: { type: 'value' },
    series: sources.map((s) => ({ type: 'bar', stack: 'events', name: s, data: days.map((day) => at.get(`${day} ${s}`) ?? 0) })),
  });
}

/** Quarantine by reason; with the admin token, each reason can be replayed against today's plan. */
function quarantinePanel(ctx: PageContext, d: DataQuality): HTMLElement {
  const admin = ctx.workspace.role === 'admin';
  const result = h('p', { id: 'replay-result', role: 'status', 'aria-live': 'polite' });
  const replay = async (body: { reason?: string; ids?: number[] }, button: HTMLButtonElement) => {
    button.disabled = true;
    try {
      const r = await postJson<ReplaySummary>('/data/quarantine/replay', body);
      fill(result, `Replayed ${r.replayed} of ${r.selected} (${r.duplicates} already stored); ${r.still_failing} still fail${r.not_replayable ? `, ${r.not_replayable} are CSV rows to import again` : ''}.`);
      if (r.replayed > 0) setTimeout(() => ctx.go(`data${query({ replayed: Date.now() })}`), 1200);
    } catch (err) {
      fill(result, `Replay failed: ${(err as Error).message}`);
    } finally {
      button.disabled = false;
    }
  };
  const rows = Object.entries(d.stats.quarantine_by_reason).map(([reason, n]) => {
    const button = h('button', { type: 'button', 'data-replay-reason': reason }, `Replay ${reason}`);
    button.addEventListener('click', () => void replay({ reason }, button));
    return [reason, count(n), admin ? button : ''];
  });
  const entries = h('div', {});
  if (admin && d.stats.quarantined > 0) {
    void getJson<QuarantineList>('/data/quarantine?limit=20').then((list) =>
      fill(
        entries,
        table(
          `The newest ${list.entries.length} of ${list.total} entries`,
          ['Id', 'Reason', 'Source', 'Where', 'Message', 'Payload starts', ''],
          list.entries.map((e) => {
            const b = h('button', { type: 'button', 'data-replay-id': e.id }, `Replay #${e.id}`);
            b.addEventListener('click', () => void replay({ ids: [e.id] }, b));
            return [String(e.id), e.reason, e.source, e.file ? `${e.file}:${e.line}` : '—', e.message, h('code', {}, e.preview), b];
          }),
          { class: 'entries' },
        ),
      ),
    );
  }
  return h(
    'section',
    { class: 'panel' },
    h('h2', {}, 'Quarantine'),
    h('p', {}, `${count(d.stats.quarantined)} entries kept with their reason. `, admin ? 'Replay checks them again against the tracking plan in use and stores what now passes, once.' : 'Entries and replay need the admin token.'),
    rows.length ? table('Quarantined by reason', ['Reason', 'Entries', admin ? 'Replay' : ''], rows, { class: 'quarantine' }) : h('p', {}, 'Nothing quarantined.'),
    result,
    entries,
  );
}

export const dataPage: PageBody = {
  async render(ctx) {
    const [d, c] = await Promise.all([getJson<DataQuality>(`/data${query({ as_of: ctx.asOf, days: 90 })}`), getJson<CollectorState>('/collector')]);
    const s = d.stats;
    const cov = d.coverage;
    return h(
      'div',
      {},
      h('h1', { tabindex: -1 }, 'Data'),
      h(
        'div',
        { class: 'cards' },
        card('Events stored', h('span', { 'data-figure': 'events' }, count(s.events)), `${count(s.accounts)} accounts, ${count(s.users)} users`),
        card('Newest event', ago(d.freshness.newest_event_age_seconds), d.freshness.newest_event_at ? `${minute(d.freshness.newest_event_at)} UTC` : 'none'),
        card('Last received', ago(d.freshness.last_received_age_seconds), d.freshness.last_received_at ? `${minute(d.freshness.last_received_at)} UTC` : 'none'),
        card('Quarantined', h('span', { 'data-figure': 'quarantined' }, count(s.quarantined)), 'kept with their reason'),
      ),
      h('section', { class: 'panel' }, h('h2', {}, 'Arrivals'), perDayChart(d)),
      h(
        'section',
        { class: 'panel' },
        h('h2', {}, 'Sources'),
        table(
          'Per source: events stored, received per second, lag from event time to storage (last hour), problems',
          ['Source', 'Events', '/s 5 min', '/s 1 h', 'Lag p50', 'Lag p95', 'Quarantined', 'Flagged', 'Users moved'],
          Object.entries(s.sources).map(([name, x]) => [
            name,
            count(x.events),
            String(x.events_per_second_5m),
            String(x.events_per_second_1h),
            ms(x.lag_p50_ms),
            ms(x.lag_p95_ms),
            count(Object.values(x.quarantine_by_reason).reduce((a, b) => a + b, 0)),
            count(Object.values(x.flagged_by_reason).reduce((a, b) => a + b, 0)),
            count(x.users_moved),
          ]),
          { class: 'sources' },
        ),
      ),
      quarantinePanel(ctx, d),
      h(
        'section',
        { class: 'panel' },
        h('h2', {}, 'Tracking-plan coverage'),
        h('p', {}, `${cov.seen} of ${cov.planned.length} planned events arrived between ${cov.from} and ${cov.to}; ${cov.unplanned.length} unplanned (action, object) pairs arrived.`),
        h(
          'details',
          { open: cov.seen < cov.planned.length },
          h('summary', {}, `Planned events, those that did not arrive first`),
          table('Planned events in the window', ['Event', 'Occurrences', 'Accounts', 'Last day'], [...cov.planned].sort((a, b) => Number(a.events > 0) - Number(b.events > 0)).map((p) => [`${p.action} ${p.object}`, p.events ? count(p.events) : h('strong', {}, 'none'), count(p.accounts), p.last_day ?? '—']), { class: 'coverage' }),
        ),
        cov.unplanned.length ? table('Unplanned events in the window, most frequent first', ['Event', 'Occurrences', 'Accounts'], cov.unplanned.slice(0, 20).map((p) => [`${p.action} ${p.object}`, count(p.events), count(p.accounts)])) : null,
      ),
      h(
        'section',
        { class: 'panel' },
        h('h2', {}, 'Collector'),
        c.running && c.health ? h('dl', { class: 'facts' }, Object.entries(c.health).map(([k, v]) => [h('dt', {}, k.replaceAll('_', ' ')), h('dd', {}, v === null ? '—' : String(v))])) : h('p', {}, 'No collector runs in this process.'),
        c.keys.length ? table('Keys', ['Name', 'Kind', 'Prefix', 'Created', 'Revoked'], c.keys.map((k) => [k.name, k.kind, `${k.prefix}…`, k.created_at.slice(0, 10), k.revoked_at?.slice(0, 10) ?? '—'])) : h('p', {}, ...prose('No keys yet: `cairn keys create NAME`.')),
      ),
    );
  },
};
