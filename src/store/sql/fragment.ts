/**
 * SQL built from fixed text, whitelisted identifiers and bound values only. User text never
 * becomes SQL: `sql` turns every interpolated value into a parameter, and `ident` accepts only
 * plain snake_case names. A dialect compiles the fragment to its own placeholders and quoting.
 */

export type Part = { text: string } | { param: unknown } | { ident: string };

export class SqlFragment {
  constructor(readonly parts: readonly Part[]) {}
}

const IDENT = /^[a-z_][a-z0-9_]{0,62}$/;

export class Ident {
  constructor(readonly name: string) {
    if (!IDENT.test(name)) throw new Error(`invalid identifier: ${JSON.stringify(name)}`);
  }
}

/** A table or column name; throws unless it is a plain lower-case identifier. */
export const ident = (name: string): Ident => new Ident(name);

/** Text that is trusted SQL (written by us, never from input). */
export const raw = (text: string): SqlFragment => new SqlFragment([{ text }]);

/** Tagged template: fixed text, nested fragments, identifiers, and everything else as a bound value. */
export function sql(strings: TemplateStringsArray, ...values: unknown[]): SqlFragment {
  const parts: Part[] = [];
  strings.forEach((s, i) => {
    if (s) parts.push({ text: s });
    if (i < values.length) parts.push(...toParts(values[i]));
  });
  return new SqlFragment(parts);
}

function toParts(v: unknown): Part[] {
  if (v instanceof SqlFragment) return [...v.parts];
  if (v instanceof Ident) return [{ ident: v.name }];
  return [{ param: v }];
}

/** Joins fragments with a separator, e.g. column lists. */
export function join(items: readonly (SqlFragment | Ident)[], separator = ', '): SqlFragment {
  const parts: Part[] = [];
  items.forEach((item, i) => {
    if (i > 0) parts.push({ text: separator });
    parts.push(...toParts(item));
  });
  return new SqlFragment(parts);
}
