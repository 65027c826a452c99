import cliProgress from 'cli-progress';

/** Prints machine-readable output: one JSON document on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

export function print(line = ''): void {
  process.stdout.write(line + '\n');
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

export interface Progress {
  update(done: number, total: number, label?: string): void;
  stop(): void;
}

/** A progress bar on stderr when a person is watching (a TTY and no --json); silent otherwise. */
export function progressBar(enabled: boolean, unit: string): Progress {
  if (!enabled || !process.stderr.isTTY) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    { format: `  {bar} {percentage}% | {value}/{total} ${unit} | {label}`, hideCursor: true, stream: process.stderr, etaBuffer: 50 },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(done, total, label = '') {
      if (!started) {
        bar.start(total, done, { label });
        started = true;
      } else {
        bar.setTotal(total);
        bar.update(done, { label });
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
