// Data may hold what drives a terminal (ESC sequences set titles and colours, BEL rings, C1 CSI)
// or reorders what it shows (bidi overrides): text for a person shows them escaped, as \x1b.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
const escaped = (c: string) => {
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
};

/** Text made safe for a terminal: every control and bidi character but the line break shown escaped. */
export const terminalText = (text: string): string => text.replace(UNSAFE, escaped);

/** Prints machine-readable output: one JSON document on stdout (C0 escaped by JSON; DEL, C1 and bidi too). */
export function printJson(value: unknown): void {
  const text = JSON.stringify(value, null, 2).replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  process.stdout.write(text + '\n');
}

/** Prints a line for a person, terminal-safe. */
export function print(line = ''): void {
  process.stdout.write(terminalText(line) + '\n');
}

/** Writes an export (CSV) as it is to a file or a pipe; to a terminal, terminal-safe. */
export function printExport(text: string): void {
  process.stdout.write(process.stdout.isTTY ? terminalText(text) : text);
}

/** Aligned two-column lines for a person: `label  value`. */
export function printPairs(pairs: [string, string | number | null][]): void {
  const width = Math.max(...pairs.map(([k]) => k.length));
  for (const [k, v] of pairs) print(`  ${k.padEnd(width)}  ${v ?? '—'}`);
}

/** Rows under a header, each column padded to its widest cell (the last one left ragged). */
export function printTable(header: string[], rows: string[][], indent = ''): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => print(indent + cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  '));
  line(header);
  rows.forEach(line);
}

export const formatNumber = (n: number): string => n.toLocaleString('en-US');
