import { z } from 'zod';

/**
 * Small schema builders shared by the config files. Each carries its own
 * "expected …, got …" message so errors read the same everywhere.
 */

/** A value as a person would name it in an error: `-3`, `"abc"`, `a list`, `a map`. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'string') return JSON.stringify(value);
  return String(value);
}

/** An error function saying what was expected and, when there was one, what was found. */
export function expected(what: string): (issue: { input?: unknown }) => string {
  return (issue) =>
    issue.input === undefined ? `expected ${what}` : `expected ${what}, got ${describeValue(issue.input)}`;
}

export const positiveInt = () => {
  const error = expected('a positive integer');
  return z.int({ error }).positive({ error });
};

export const positiveNumber = () => {
  const error = expected('a positive number');
  return z.number({ error }).positive({ error });
};

export const nonEmptyString = () => {
  const error = expected('a non-empty string');
  return z.string({ error }).min(1, { error });
};

/**
 * A YAML map of named entries. Unlike z.record, which drops a `__proto__` key unseen, every
 * key is checked and kept as an own property, so `__proto__`, `toString` and `constructor`
 * behave like any other key.
 */
export function keyedMap<K extends z.ZodType<string>, V extends z.ZodType>(key: K, value: V) {
  const isMap = (v: unknown): v is object => typeof v === 'object' && v !== null && !Array.isArray(v);
  return z
    .preprocess((v) => (isMap(v) ? new Map(Object.entries(v)) : v), z.map(key, value))
    .transform((entries) => Object.fromEntries(entries) as Record<z.output<K>, z.output<V>>);
}

/** Names people refer to from the CLI, segments and SQL: `setup`, `install_messenger`. */
const NAME = /^[a-z][a-z0-9_]*$/;
export const name = (what = 'a name') =>
  z.string({ error: expected(what) }).regex(NAME, {
    error: expected(`${what} of lowercase letters, digits and underscores, starting with a letter`),
  });

/** Database identifiers cannot be query parameters, so keep them plain. */
const SQL_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const sqlIdentifier = (what: string) =>
  z.string({ error: expected(what) }).regex(SQL_IDENTIFIER, {
    error: expected(`${what} of letters, digits and underscores`),
  });
