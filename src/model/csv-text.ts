import { stringify } from 'csv-stringify/sync';

/**
 * Every CSV Cairn writes goes through here (exports, the demo's files), so one rule holds:
 * spreadsheets run a cell that starts with = + - @ (or tab, CR, LF, or their full-width forms)
 * as a formula, so a text cell starting so is written as '… and quoted (OWASP's advice):
 * `=HYPERLINK(…)` from a group call shows as text. Only text is neutralised: numbers Cairn
 * computed stay numbers (-0.5 is written -0.5), booleans are true/false, objects JSON.
 */
const FORMULA = /^[=+\-@\t\r\n\uFF1D\uFF0B\uFF0D\uFF20]/;

const OPTIONS = {
  cast: {
    boolean: (v: boolean) => String(v),
    string: (v: string) => (FORMULA.test(v) ? { value: `'${v}`, quoted: true } : v),
  },
  // A lone CR is a line break to most readers: quote it like \n.
  quoted_match: /\r/,
};

/** Rows as CSV text (RFC 4180, \n after each row). */
export function csvText(rows: readonly (readonly unknown[])[]): string {
  return stringify(rows as unknown[][], OPTIONS);
}
