/**
 * The dashboard (src/web): one page application served by `cairn serve` and `cairn demo`,
 * bundled with esbuild (`npm run build`, or in memory from the sources). It reads only the
 * JSON API (/api/v1); this file is the shell: navigation built from the page list, the as-of
 * control, the token form, hash routes (`#/accounts?stage=set_up`) and keyboard shortcuts.
 * A new page is a file in pages/ and a line in pages/index.ts; pages other than the home page
 * and ECharts are chunks of their own, loaded when needed (pages/index.ts).
 */
import './styles.css';
import { ApiFailure, getJson, token } from './api-client.js';
import { fill, h, leavePage } from './dom.js';
import { PAGES } from './pages/index.js';
import type { Page, WorkspaceInfo } from './shell.js';

const AS_OF_KEY = 'cairn-as-of';

const main = h('main', { id: 'main', tabindex: -1 });
const status = h('p', { id: 'status', role: 'status', 'aria-live': 'polite' });
const nav = h('ul', { class: 'nav' });
const who = h('p', { class: 'who' });
const asOfInput = h('input', { type: 'date', id: 'as-of', name: 'as_of', required: true });
let workspace: WorkspaceInfo | null = null;
let rendering = 0;

function route(): { page: Page; rest: string[]; params: URLSearchParams } {
  const hash = location.hash.replace(/^#\/?/, '');
  const [path, q = ''] = hash.split('?', 2);
  const [id, ...rest] = path.split('/').map((p) => decodeURIComponent(p));
  const page = PAGES.find((p) => p.id === id) ?? PAGES[0];
  return { page, rest, params: new URLSearchParams(q) };
}

const go = (to: string) => {
  location.hash = `#/${to}`;
};

async function render(): Promise<void> {
  const ticket = ++rendering;
  if (!workspace) return;
  const { page, rest, params } = route();
  document.title = `${page.title} · Cairn`;
  for (const a of nav.querySelectorAll('a')) a.toggleAttribute('aria-current', a.dataset.page === page.id);
  for (const a of nav.querySelectorAll('a[aria-current]')) a.setAttribute('aria-current', 'page');
  leavePage();
  fill(status);
  fill(main, h('p', { class: 'loading' }, 'Loading…'));
  main.setAttribute('aria-busy', 'true');
  try {
    const el = await page.render({ workspace, asOf: asOfInput.value || workspace.as_of, rest, params, go, notify: (text) => fill(status, text) });
    if (ticket !== rendering) return;
    fill(main, el);
  } catch (err) {
    if (ticket !== rendering) return;
    if (err instanceof ApiFailure && err.status === 401) return askForToken(err.message);
    fill(main, h('h1', { tabindex: -1 }, page.title), h('p', { class: 'error', role: 'alert' }, (err as Error).message));
  } finally {
    if (ticket === rendering) main.removeAttribute('aria-busy');
  }
  main.querySelector<HTMLElement>('h1')?.focus({ preventScroll: true });
}

/** The token form: the API said who may read, and this browser tab has no token it accepts. */
function askForToken(why: string): void {
  token.clear();
  const input = h('input', { type: 'password', id: 'token', name: 'token', autocomplete: 'off', required: true, 'aria-describedby': 'token-help' });
  const form = h(
    'form',
    { class: 'token' },
    h('h1', { tabindex: -1 }, 'Sign in to the dashboard'),
    h('p', { class: 'error', role: 'alert' }, why),
    h('label', { for: 'token' }, 'Token'),
    input,
    h('p', { id: 'token-help', class: 'note' }, 'The admin token (.cairn/admin-token in the workspace) or a dashboard token from `cairn keys create NAME --dashboard`. It is kept for this tab only.'),
    h('button', { type: 'submit' }, 'Sign in'),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    token.set(input.value);
    void start();
  });
  fill(main, form);
  input.focus();
}

async function start(): Promise<void> {
  // The page's chunk (and ECharts, if it draws charts) loads while the API answers.
  route().page.preload();
  try {
    if (!token.get() && (await getJson<{ token_needed: boolean }>('/access')).token_needed) return askForToken('This server needs a token to show its figures.');
    workspace = await getJson<WorkspaceInfo>('/workspace');
  } catch (err) {
    if (err instanceof ApiFailure && err.status === 401) return askForToken(token.get() ? err.message : 'This server needs a token to show its figures.');
    fill(main, h('p', { class: 'error', role: 'alert' }, (err as Error).message));
    return;
  }
  asOfInput.value = sessionStorage.getItem(AS_OF_KEY) ?? workspace.as_of;
  const access = workspace.without_token ? 'no token needed on this machine' : 'signed in';
  fill(who, `${workspace.role === 'admin' ? 'admin' : 'read only'} · ${access} · ${workspace.engine}`);
  await render();
}

function shell(): void {
  PAGES.filter((p) => p.nav).forEach((p, i) =>
    nav.appendChild(h('li', {}, h('a', { href: `#/${p.id}`, 'data-page': p.id, 'aria-keyshortcuts': String(i + 1) }, h('span', { class: 'key', 'aria-hidden': 'true' }, String(i + 1)), p.title))),
  );
  const asOfForm = h('form', { class: 'as-of' }, h('label', { for: 'as-of' }, 'As of'), asOfInput, h('button', { type: 'submit' }, 'Apply'));
  asOfForm.addEventListener('submit', (e) => {
    e.preventDefault();
    if (!asOfInput.value) return;
    sessionStorage.setItem(AS_OF_KEY, asOfInput.value);
    void render();
  });
  document.body.replaceChildren(
    h('a', { class: 'skip', href: '#main', onclick: (e: Event) => (e.preventDefault(), main.focus()) }, 'Skip to content'),
    h('header', { class: 'top' }, h('p', { class: 'brand' }, 'Cairn'), h('nav', { 'aria-label': 'Pages' }, nav), asOfForm, who),
    status,
    main,
  );
  addEventListener('hashchange', () => void render());
  // Number keys go to the pages in the navigation; "/" finds an account.
  addEventListener('keydown', (e) => {
    const target = e.target as HTMLElement;
    if (e.altKey || e.ctrlKey || e.metaKey || ['INPUT', 'SELECT', 'TEXTAREA'].includes(target.tagName)) return;
    const pages = PAGES.filter((p) => p.nav);
    const n = Number(e.key);
    if (Number.isInteger(n) && n >= 1 && n <= pages.length) {
      e.preventDefault();
      go(pages[n - 1].id);
    } else if (e.key === '/') {
      const search = document.getElementById('q');
      if (search) {
        e.preventDefault();
        search.focus();
      } else go('accounts');
    }
  });
}

shell();
void start();
