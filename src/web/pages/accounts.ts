import { getJson, getText, query } from '../api-client.js';
import { count, h, pct } from '../dom.js';
import { href, labelOf, stageLabel, statusesNote, type AccountRow, type PageBody, type PageContext, type StatusesSource } from '../shell.js';

interface AccountsPage extends StatusesSource {
  as_of: string;
  total: number;
  offset: number;
  limit: number;
  accounts: AccountRow[];
}

/** The filters the page and the API share, in the order the form shows them. */
const FILTERS = ['segment', 'stage', 'milestone', 'reached', 'plan', 'signup_month', 'churned', 'q'] as const;
const PAGE_SIZE = 50;

function select(id: string, label: string, options: [string, string][], value: string | null) {
  return [
    h('label', { for: id }, label),
    h('select', { id, name: id }, h('option', { value: '' }, 'any'), options.map(([v, text]) => h('option', { value: v, selected: v === value }, text))),
  ];
}

function filterForm(ctx: PageContext): HTMLFormElement {
  const ws = ctx.workspace;
  const p = ctx.params;
  const form = h(
    'form',
    { class: 'filters', 'aria-label': 'Filter accounts' },
    h('div', {}, select('segment', 'Segment', ws.segments.map((s) => [s.name, s.name]), p.get('segment'))),
    h('div', {}, select('stage', 'Stage', ws.stages.map((s) => [s.name, s.label]), p.get('stage'))),
    h('div', {}, select('milestone', 'Milestone', ws.milestones.map((m) => [m.name, m.label]), p.get('milestone'))),
    h('div', {}, select('reached', 'Reached it', [['true', 'yes'], ['false', 'no']], p.get('reached'))),
    h('div', {}, h('label', { for: 'plan' }, 'Plan'), h('input', { id: 'plan', name: 'plan', value: p.get('plan') ?? '', size: 10 })),
    h('div', {}, h('label', { for: 'signup_month' }, 'Signup month'), h('input', { id: 'signup_month', name: 'signup_month', type: 'month', value: p.get('signup_month') ?? '' })),
    h('div', {}, select('churned', 'Customers', [['false', 'current'], ['true', 'churned']], p.get('churned'))),
    h('div', {}, h('label', { for: 'q' }, 'Account id contains'), h('input', { id: 'q', name: 'q', type: 'search', value: p.get('q') ?? '', 'aria-keyshortcuts': '/' })),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Filter'), h('a', { href: href('accounts') }, 'Clear')),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const data = new FormData(form);
    const next: Record<string, string> = {};
    for (const key of FILTERS) {
      const v = String(data.get(key) ?? '').trim();
      if (v) next[key] = v;
    }
    // A milestone alone means "reached it"; a reached choice alone means nothing.
    if (next.milestone && !next.reached) next.reached = 'true';
    if (!next.milestone) delete next.reached;
    const sort = p.get('sort');
    ctx.go(`accounts${query({ ...next, sort, order: p.get('order') })}`);
  });
  return form;
}

/** A column header that sorts the table by its key (aria-sort tells which way). */
function sortHeader(ctx: PageContext, key: string, label: string): HTMLElement {
  const current = ctx.params.get('sort') ?? 'account_id';
  const order = ctx.params.get('order') ?? 'asc';
  const active = current === key;
  const next = active && order === 'asc' ? 'desc' : 'asc';
  const params = new URLSearchParams(ctx.params);
  params.set('sort', key);
  params.set('order', next);
  params.delete('offset');
  return h(
    'th',
    { scope: 'col', 'aria-sort': active ? (order === 'asc' ? 'ascending' : 'descending') : 'none' },
    h('a', { href: href(`accounts?${params}`), class: 'sort', 'data-sort': key }, label, active ? (order === 'asc' ? ' ▲' : ' ▼') : ''),
  );
}

function accountsTable(ctx: PageContext, rows: AccountRow[]): HTMLTableElement {
  const ws = ctx.workspace;
  const milestones = ws.milestones.map((m) => m.name);
  return h(
    'table',
    { class: 'accounts' },
    h('caption', {}, 'Accounts: stage, milestones (✓ reached, else progress) and next best step'),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        sortHeader(ctx, 'account_id', 'Account'),
        sortHeader(ctx, 'stage', 'Stage'),
        sortHeader(ctx, 'plan', 'Plan'),
        sortHeader(ctx, 'seats', 'Seats'),
        sortHeader(ctx, 'signup_day', 'Signed up'),
        sortHeader(ctx, 'last_active_day', 'Last active'),
        milestones.map((m) => sortHeader(ctx, m, labelOf(ws, m))),
        sortHeader(ctx, 'next_milestone', 'Next best step'),
      ),
    ),
    h(
      'tbody',
      {},
      rows.map((a) =>
        h(
          'tr',
          { 'data-account': a.account_id },
          h('th', { scope: 'row' }, h('a', { href: href(`account/${encodeURIComponent(a.account_id)}`) }, a.account_id), a.churned ? h('span', { class: 'tag' }, ' churned') : null),
          h('td', {}, stageLabel(ws, a.stage)),
          h('td', {}, a.plan ?? '—'),
          h('td', { class: 'n' }, a.seats ?? '—'),
          h('td', {}, a.signup_day),
          h('td', {}, a.last_active_day ?? '—'),
          milestones.map((m) => {
            const x = a.milestones[m];
            return h('td', { class: x.reached ? 'done' : 'n', title: x.reached ? `reached ${x.reached_at}` : `${pct(x.progress, 0)} of the way` }, x.reached ? '✓' : pct(x.progress, 0));
          }),
          h('td', {}, a.next_best_step ? a.next_best_step.action : '—'),
        ),
      ),
    ),
  );
}

/** Downloads the matching accounts as CSV, the columns of `cairn segment NAME --format csv`. */
async function exportCsv(ctx: PageContext, filters: Record<string, string | null>): Promise<void> {
  const text = await getText(`/accounts${query({ ...filters, as_of: ctx.asOf, format: 'csv' })}`);
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv' }));
  const a = h('a', { href: url, download: `${filters.segment ?? 'accounts'}-${ctx.asOf}.csv` });
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  ctx.notify(`Exported ${a.download}`);
}

export const accountsPage: PageBody = {
  async render(ctx) {
    const p = ctx.params;
    const filters: Record<string, string | null> = Object.fromEntries(FILTERS.map((k) => [k, p.get(k)]));
    const offset = Number(p.get('offset') ?? 0) || 0;
    const list = await getJson<AccountsPage>(`/accounts${query({ ...filters, as_of: ctx.asOf, sort: p.get('sort'), order: p.get('order'), limit: PAGE_SIZE, offset })}`);
    const pageLink = (to: number) => {
      const params = new URLSearchParams(p);
      params.set('offset', String(to));
      return href(`accounts?${params}`);
    };
    const segment = ctx.workspace.segments.find((s) => s.name === filters.segment);
    const exportButton = h('button', { type: 'button', id: 'export-csv' }, 'Export CSV');
    exportButton.addEventListener('click', () => void exportCsv(ctx, filters).catch((err: Error) => ctx.notify(`Export failed: ${err.message}`)));
    const last = Math.min(list.total, offset + list.accounts.length);
    return h(
      'div',
      {},
      h('h1', { tabindex: -1 }, 'Accounts'),
      filterForm(ctx),
      segment ? h('p', { class: 'note' }, `Segment ${segment.name}: `, h('code', {}, segment.expression)) : null,
      h('div', { class: 'toolbar' }, h('p', { id: 'total', 'data-total': list.total }, `${count(list.total)} accounts as of ${list.as_of}`, list.total ? ` · showing ${count(offset + 1)}–${count(last)}` : ''), exportButton),
      list.total ? accountsTable(ctx, list.accounts) : h('p', {}, 'No account matches these filters.'),
      h('p', { class: 'note', 'data-statuses': list.source }, statusesNote(list)),
      h(
        'nav',
        { class: 'pager', 'aria-label': 'Pages of accounts' },
        offset > 0 ? h('a', { href: pageLink(Math.max(0, offset - PAGE_SIZE)), rel: 'prev' }, '← Previous') : null,
        last < list.total ? h('a', { href: pageLink(offset + PAGE_SIZE), rel: 'next' }, 'Next →') : null,
      ),
    );
  },
};
