import type { z } from 'zod';
import type { ConfigDiagnostic } from './config-error.js';
import { describeValue } from './schemas/primitives.js';
import type { YamlSource } from './yaml-source.js';

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  object: 'a map',
  record: 'a map',
  map: 'a map',
  array: 'a list',
  null: 'an empty value',
};

/**
 * Messages for the issues our schemas do not word themselves, passed per parse so that
 * other parts of Cairn keep zod's defaults. Unknown keys get the list of allowed keys,
 * which `diagnosticsFromZod` then attaches to each unknown key.
 */
export const configErrorMap: z.core.$ZodErrorMap = (issue) => {
  const got = issue.input === undefined ? '' : `, got ${describeValue(issue.input)}`;
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${TYPE_NAMES[issue.expected] ?? issue.expected}${got}`;
    case 'invalid_value':
      return issue.values.length === 1
        ? `expected ${listValues(issue.values)}${got}`
        : `expected one of ${listValues(issue.values)}${got}`;
    case 'too_small':
      return `expected ${sizeBound(issue.origin, 'at least', 'more than', issue.minimum, issue.inclusive)}${gotSize(issue.origin, issue.input)}`;
    case 'too_big':
      return `expected ${sizeBound(issue.origin, 'at most', 'less than', issue.maximum, issue.inclusive)}${gotSize(issue.origin, issue.input)}`;
    case 'invalid_format':
      return issue.format === 'regex' ? `expected a string matching ${issue.pattern}${got}` : `expected a ${issue.format}${got}`;
    case 'unrecognized_keys': {
      const shape = (issue.inst as { _zod?: { def?: { shape?: object } } } | undefined)?._zod?.def?.shape;
      return shape ? `allowed keys: ${Object.keys(shape).join(', ')}` : 'no keys are allowed here';
    }
    case 'invalid_key':
      return issue.issues[0]?.message ?? `invalid key${got}`;
    case 'invalid_union':
      return unionMessage(issue);
    default:
      return undefined;
  }
};

/** Turns zod's issues into located diagnostics. */
export function diagnosticsFromZod(issues: readonly z.core.$ZodIssue[], source: YamlSource): ConfigDiagnostic[] {
  const out: ConfigDiagnostic[] = [];
  for (const issue of issues) {
    const path = issue.path;
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        out.push(source.diagnostic([...path, key], `unknown key '${key}' (${issue.message})`, 'key'));
      }
    } else if (issue.code === 'invalid_key') {
      out.push(source.diagnostic(path, issue.message, 'key'));
    } else if (isMissingKey(issue, source)) {
      // The key is absent, so the diagnostic lands on its parent's line.
      const key = String(path[path.length - 1]);
      out.push(source.diagnostic(path, `missing required key '${key}' (${issue.message})`));
    } else {
      out.push(source.diagnostic(path, issue.message));
    }
  }
  return out;
}

function isMissingKey(issue: z.core.$ZodIssue, source: YamlSource): boolean {
  if (issue.code !== 'invalid_type' && issue.code !== 'invalid_union' && issue.code !== 'invalid_value') return false;
  const path = issue.path;
  return path.length > 0 && typeof path[path.length - 1] === 'string' && !source.has(path);
}

function unionMessage(issue: Extract<z.core.$ZodRawIssue, { code: 'invalid_union' }>): string {
  const options = issue.options as readonly unknown[] | undefined;
  if (issue.discriminator && Array.isArray(options)) {
    const input = issue.input as Record<string, unknown> | undefined;
    const value = input && typeof input === 'object' ? input[issue.discriminator] : undefined;
    const got = value === undefined ? '' : `, got ${describeValue(value)}`;
    return `expected one of ${listValues(options)}${got}`;
  }
  // A union of plain types (string | number | boolean): name them all.
  const names = issue.errors
    .map((branch) => branch.find((e) => e.code === 'invalid_type' && e.path.length === 0))
    .map((e) => (e?.code === 'invalid_type' ? typeNameInList(e.expected) : undefined));
  const got = issue.input === undefined ? '' : `, got ${describeValue(issue.input)}`;
  if (names.length > 0 && names.every((n) => n !== undefined)) {
    return `expected ${names.slice(0, -1).join(', ')}${names.length > 1 ? ' or ' : ''}${names[names.length - 1]}${got}`;
  }
  return `expected a value of another form${got}`;
}

function typeNameInList(type: string): string {
  return type === 'boolean' ? 'a boolean' : (TYPE_NAMES[type] ?? type);
}

function listValues(values: readonly unknown[]): string {
  return values.map((v) => (typeof v === 'string' ? v : String(v))).join(', ');
}

function sizeBound(origin: string, incl: string, excl: string, bound: number | bigint, inclusive?: boolean): string {
  const n = Number(bound);
  if (origin === 'array' || origin === 'set') return `${incl} ${n} item${n === 1 ? '' : 's'}`;
  if (origin === 'string') return n === 1 && incl === 'at least' ? 'a non-empty string' : `${incl} ${n} characters`;
  return `a number ${inclusive === false ? excl : incl} ${n}`;
}

function gotSize(origin: string, input: unknown): string {
  if (input === undefined) return '';
  if ((origin === 'array' || origin === 'set') && Array.isArray(input)) return `, got ${input.length}`;
  if (origin === 'string' && typeof input === 'string') return input === '' ? ', got an empty string' : `, got ${input.length}`;
  return `, got ${describeValue(input)}`;
}
