/** Building DOM without a framework: elements from tag, attributes and children; text is always text. */

type Child = Node | string | number | null | undefined | false | Child[];
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(key.replace(/^on/, ''), value);
    else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

function append(el: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Text shared with the CLI marks commands and names in backticks: show those as code. */
export function prose(text: string): Child[] {
  const parts = text.split('`');
  // An unpaired backtick is punctuation, not a code span.
  if (parts.length % 2 === 0) return [text];
  return parts.map((part, i) => (i % 2 === 1 ? h('code', {}, part) : part));
}

const leaving = new Set<() => void>();

/** Runs `cleanup` when the shell leaves the page being drawn (charts let go of their DOM). */
export function onPageLeave(cleanup: () => void): void {
  leaving.add(cleanup);
}

/** Called by the shell before it draws another page. */
export function leavePage(): void {
  leaving.forEach((cleanup) => cleanup());
  leaving.clear();
}

/** Replaces an element's children. */
export function fill(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

/** A table with a caption, column headers and rows; cells are text or nodes. */
export function table(caption: string, head: Child[], rows: Child[][], attrs: Attrs = {}): HTMLTableElement {
  return h(
    'table',
    attrs,
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, head.map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, rows.map((r) => h('tr', {}, r.map((c, i) => (i === 0 ? h('th', { scope: 'row' }, c) : h('td', {}, c)))))),
  );
}

export const pct = (v: number | null | undefined, digits = 1): string => (v === null || v === undefined || Number.isNaN(v) ? '—' : `${(v * 100).toFixed(digits)}%`);

/** A share with its interval, as the CLI writes it: `45.2% [41.0%–49.5%]`. */
export const shareText = (s: { share: number | null; low: number; high: number } | null | undefined): string =>
  !s || s.share === null ? '—' : `${pct(s.share)} [${pct(s.low)}–${pct(s.high)}]`;

export const num = (v: number | null | undefined, digits = 2): string => (v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits));

export const count = (v: number | null | undefined): string => (v === null || v === undefined ? '—' : v.toLocaleString('en'));

/** A timestamp to the minute, as every page shows one (the column or text says UTC). */
export const minute = (iso: string): string => iso.slice(0, 16).replace('T', ' ');

/** A duration in seconds for a person. */
export function ago(seconds: number | null): string {
  if (seconds === null) return '—';
  const s = Math.abs(seconds);
  if (s < 90) return `${Math.round(seconds)} s`;
  if (s < 5400) return `${Math.round(seconds / 60)} min`;
  if (s < 48 * 3600) return `${(seconds / 3600).toFixed(1)} h`;
  return `${Math.round(seconds / 86400)} days`;
}

/** A key figure with its label and a line of explanation. */
export const card = (label: string, value: Child, note?: Child) =>
  h('section', { class: 'card' }, h('h2', {}, label), h('p', { class: 'figure' }, value), note ? h('p', { class: 'note' }, note) : null);
