import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import {
  parseMilestones,
  parseSegmentExpression,
  segmentFields,
  SegmentSyntaxError,
  HELPDESK_DIR,
  type SegmentExpr,
} from '../../src/config/index.js';
import { configErrorOf, lines } from './helpers.js';

/** The tree without offsets, as a compact string: `(a or (b and c))`. */
function shape(e: SegmentExpr): string {
  const field = (f: string[]) => f.join('.');
  const lit = (v: string | number | boolean) => (typeof v === 'string' ? JSON.stringify(v) : String(v));
  switch (e.kind) {
    case 'and':
    case 'or':
      return `(${shape(e.left)} ${e.kind} ${shape(e.right)})`;
    case 'not':
      return `(not ${shape(e.expr)})`;
    case 'compare':
      return `${field(e.field)} ${e.op} ${lit(e.value.value)}`;
    case 'in':
      return `${field(e.field)} ${e.negated ? 'not in' : 'in'} [${e.values.map((v) => lit(v.value)).join(', ')}]`;
    case 'is_null':
      return `${field(e.field)} is ${e.negated ? 'not ' : ''}null`;
    case 'truthy':
      return field(e.field);
  }
}

const parsed = (text: string) => shape(parseSegmentExpression(text));

/** Asserts a syntax error and returns [message, offset]. */
function syntaxError(text: string): [string, number] {
  try {
    parseSegmentExpression(text);
  } catch (err) {
    assert.ok(err instanceof SegmentSyntaxError, `expected a SegmentSyntaxError, got ${String(err)}`);
    return [err.message, err.offset];
  }
  assert.fail(`expected ${JSON.stringify(text)} not to parse`);
}

describe('parseSegmentExpression: constructs', () => {
  test('every comparison operator; <> is !=', () => {
    for (const op of ['=', '!=', '<', '<=', '>', '>=']) assert.equal(parsed(`age_days ${op} 14`), `age_days ${op} 14`);
    assert.equal(parsed('seats <> 3'), 'seats != 3');
    assert.equal(parsed('seats>=3'), 'seats >= 3', 'no spaces needed');
  });

  test('strings: single and double quotes, doubled quotes and backslash escapes', () => {
    assert.equal(parsed(`plan = 'pro'`), 'plan = "pro"');
    assert.equal(parsed(`plan = "pro"`), 'plan = "pro"');
    assert.equal(parsed(`plan = 'it''s'`), `plan = "it's"`);
    assert.equal(parsed(`plan = "say ""hi"""`), 'plan = "say \\"hi\\""');
    assert.equal(parsed(String.raw`plan = 'a\\b\'c\"d'`), String.raw`plan = "a\\b'c\"d"`);
    assert.equal(parsed(`plan = ''`), 'plan = ""');
    assert.equal(parsed(`plan = 'Pro Plan (annual)'`), 'plan = "Pro Plan (annual)"');
  });

  test('numbers: integers, decimals, negatives; true and false', () => {
    assert.equal(parsed('seats = 0'), 'seats = 0');
    assert.equal(parsed('milestones.utilization.progress >= 0.75'), 'milestones.utilization.progress >= 0.75');
    assert.equal(parsed('days_since_last_event > -1.5'), 'days_since_last_event > -1.5');
    assert.equal(parsed('churned = true'), 'churned = true');
    assert.equal(parsed('churned != FALSE'), 'churned != false');
  });

  test('in, not in, is null, is not null and bare boolean fields', () => {
    assert.equal(parsed(`plan in ('pro', "premium")`), 'plan in ["pro", "premium"]');
    assert.equal(parsed(`plan not in ('free')`), 'plan not in ["free"]');
    assert.equal(parsed('seats in (1, 2, 3)'), 'seats in [1, 2, 3]');
    assert.equal(parsed('plan is null'), 'plan is null');
    assert.equal(parsed('plan is not null'), 'plan is not null');
    assert.equal(parsed('churned'), 'churned');
    assert.equal(parsed('milestones.setup.reached'), 'milestones.setup.reached');
    assert.equal(parsed('not milestones.setup.reached'), '(not milestones.setup.reached)');
  });

  test('keywords are case-insensitive', () => {
    assert.equal(
      parsed(`NOT churned AND plan NOT IN ('free') Or plan IS NOT NULL and seats In (1)`),
      '(((not churned) and plan not in ["free"]) or (plan is not null and seats in [1]))',
    );
  });

  test('precedence: or < and < not < comparison', () => {
    assert.equal(parsed('a or b and c'), '(a or (b and c))');
    assert.equal(parsed('a and b or c'), '((a and b) or c)');
    assert.equal(parsed('not a and b'), '((not a) and b)');
    assert.equal(parsed('not not a'), '(not (not a))');
    assert.equal(parsed('a or b or c'), '((a or b) or c)', 'left-associative');
    assert.equal(parsed('not seats > 3'), '(not seats > 3)');
  });

  test('parentheses override precedence and nest', () => {
    assert.equal(parsed('(a or b) and c'), '((a or b) and c)');
    assert.equal(parsed('((a))'), 'a');
    assert.equal(
      parsed(`not (stage = 'signed_up' or (age_days > 14 and (churned or plan is null)))`),
      '(not (stage = "signed_up" or (age_days > 14 and (churned or plan is null))))',
    );
  });

  test('nodes carry 0-based [start, end) offsets', () => {
    const text = `stage = 'signed_up' and age_days > 14`;
    const e = parseSegmentExpression(text);
    assert.ok(e.kind === 'and');
    assert.deepEqual([e.start, e.end], [0, text.length]);
    assert.ok(e.left.kind === 'compare' && e.right.kind === 'compare');
    assert.deepEqual([e.left.start, e.left.end], [0, 19]);
    assert.deepEqual([e.left.value.start, e.left.value.end], [8, 19]);
    assert.equal(text.slice(e.right.start, e.right.end), 'age_days > 14');
    assert.equal(text.slice(e.right.value.start, e.right.value.end), '14');
  });

  test('segmentFields lists each field once, in order of use', () => {
    const e = parseSegmentExpression(
      `stage = 'x' and (milestones.setup.reached or stage is null) and milestones.activation.days_to_reach < 30`,
    );
    assert.deepEqual(segmentFields(e), [['stage'], ['milestones', 'setup', 'reached'], ['milestones', 'activation', 'days_to_reach']]);
  });

  test('hostile text inside quotes is just a string value', () => {
    assert.equal(parsed(`stage = '; DROP TABLE accounts; --'`), 'stage = "; DROP TABLE accounts; --"');
    assert.equal(parsed(`plan = 'x'' OR ''1''=''1'`), `plan = "x' OR '1'='1"`);
    // Outside quotes the same text is not part of the language.
    assert.deepEqual(syntaxError(`stage = 'x'; DROP TABLE accounts; --`), ["unexpected character ';', at column 12", 11]);
    assert.deepEqual(syntaxError(`stage = 'x' -- comment`), ["expected a digit after '-', at column 14", 13]);
  });
});

describe('parseSegmentExpression: errors say what was expected and where', () => {
  test('empty input', () => {
    assert.deepEqual(syntaxError(''), ['expected an expression, got nothing, at column 1', 0]);
    assert.deepEqual(syntaxError('   '), ['expected an expression, got nothing, at column 1', 0]);
  });

  test('a missing value', () => {
    assert.deepEqual(syntaxError(`stage = 'a' and age_days >`), ["expected a value after '>', at column 27", 26]);
    assert.deepEqual(syntaxError('age_days > and x'), ["expected a value after '>', got 'and', at column 12", 11]);
    assert.deepEqual(syntaxError('stage = signed_up'), [
      "expected a value after '=', got 'signed_up' (quote text: 'signed_up'), at column 9",
      8,
    ]);
    assert.deepEqual(syntaxError(`plan in ()`), ["expected a value after '(', got ')', at column 10", 9]);
    assert.deepEqual(syntaxError(`plan in ('a',)`), ["expected a value after ',', got ')', at column 14", 13]);
  });

  test('an unterminated string points at its opening quote', () => {
    assert.deepEqual(syntaxError(`stage = 'signed_up and age_days > 14`), [
      "unterminated string (no closing '), at column 9",
      8,
    ]);
    assert.deepEqual(syntaxError(`plan = "pro`), ['unterminated string (no closing "), at column 8', 7]);
    assert.deepEqual(syntaxError(`plan = 'it''`), ["unterminated string (no closing '), at column 8", 7]);
  });

  test('unknown operators, with what to write instead', () => {
    assert.deepEqual(syntaxError('age_days == 14'), ["unknown operator '=='; write '=', at column 10", 9]);
    assert.deepEqual(syntaxError('age_days => 14'), ["unknown operator '=>'; write '>=', at column 10", 9]);
    assert.deepEqual(syntaxError('churned && seats > 1'), ["unknown operator '&&'; write 'and', at column 9", 8]);
    assert.deepEqual(syntaxError('age_days >< 14'), ["unknown operator '><' (operators: = != <> < <= > >=), at column 10", 9]);
    assert.deepEqual(syntaxError(`plan like 'p%'`), [
      "expected an operator (= != <> < <= > >= in, not in, is null) after 'plan', got 'like', at column 6",
      5,
    ]);
    assert.deepEqual(syntaxError('age_days ~ 3'), ["unexpected character '~', at column 10", 9]);
  });

  test('trailing tokens', () => {
    assert.deepEqual(syntaxError(`stage = 'a' 'b'`), [
      "expected 'and', 'or' or the end of the expression, got the string 'b', at column 13",
      12,
    ]);
    assert.deepEqual(syntaxError('churned)'), ["unmatched ')', at column 8", 7]);
    assert.deepEqual(syntaxError(`stage = 'a' age_days > 3`), [
      "expected 'and', 'or' or the end of the expression, got 'age_days', at column 13",
      12,
    ]);
  });

  test('parentheses, not, in and is', () => {
    assert.deepEqual(syntaxError('(churned or seats > 1'), [
      "expected ')' to close the '(' from column 1, at column 22",
      21,
    ]);
    assert.deepEqual(syntaxError('churned and'), ["expected a field, 'not' or '(' after 'and', at column 12", 11]);
    assert.deepEqual(syntaxError('not'), ["expected a field, 'not' or '(' after 'not', at column 4", 3]);
    assert.deepEqual(syntaxError(`plan not 'a'`), ["expected 'in' after 'not', got the string 'a', at column 10", 9]);
    assert.deepEqual(syntaxError(`plan in 'a'`), ["expected '(' after 'in', got the string 'a', at column 9", 8]);
    assert.deepEqual(syntaxError(`plan in ('a' 'b')`), [
      "expected ',' or ')' in the list, got the string 'b', at column 14",
      13,
    ]);
    assert.deepEqual(syntaxError('plan is nul'), ["expected 'null' after 'is', got 'nul', at column 9", 8]);
    assert.deepEqual(syntaxError('plan is not'), ["expected 'null' after 'not', at column 12", 11]);
  });

  test('values, names and escapes', () => {
    assert.deepEqual(syntaxError('plan = null'), [
      "a comparison with null is never true; write 'is null' or 'is not null', at column 8",
      7,
    ]);
    assert.deepEqual(syntaxError('age_days > 14days'), ["invalid number '14days', at column 12", 11]);
    assert.deepEqual(syntaxError('Stage = 1'), [
      "expected a field name of lowercase letters, digits and underscores, got 'Stage', at column 1",
      0,
    ]);
    assert.deepEqual(syntaxError('milestones.Setup.reached'), [
      "expected a field name of lowercase letters, digits and underscores, got 'milestones.Setup.reached', at column 12",
      11,
    ]);
    assert.deepEqual(syntaxError('milestones. = 1'), ["expected a name after 'milestones.', at column 12", 11]);
    assert.deepEqual(syntaxError(String.raw`plan = 'a\nb'`), [
      String.raw`unknown escape '\n' in a string; write '\\' for a backslash, at column 10`,
      9,
    ]);
  });

  test('a multi-line expression reports line and column', () => {
    assert.deepEqual(syntaxError(`stage = 'a'\nand age_days >`), ["expected a value after '>', at line 2, column 15", 26]);
  });
});

describe('segments in milestones.yaml', async () => {
  const template = await readFile(path.join(HELPDESK_DIR, 'milestones.yaml'), 'utf8');
  const templateLines = template.split('\n');
  const segmentLine = templateLines.findIndex((l) => l.startsWith('  stuck_in_setup:')) + 1;
  const withSegment = (value: string) =>
    templateLines.map((l, i) => (i + 1 === segmentLine ? `  stuck_in_setup: ${value}` : l)).join('\n');

  test('the template segments parse', () => {
    assert.ok(segmentLine > 1);
    const { segments } = parseMilestones(template, 'milestones.yaml');
    for (const text of Object.values(segments)) parseSegmentExpression(text);
  });

  test('a bad segment is reported at its line, at the character inside the quotes', () => {
    // "stage = 'signed_up' and age_days >" : the value is missing at offset 34.
    const err = configErrorOf(() => parseMilestones(withSegment(`"stage = 'signed_up' and age_days >"`), 'milestones.yaml'));
    assert.equal(err.diagnostics.length, 1);
    const d = err.diagnostics[0]!;
    const valueCol = '  stuck_in_setup: '.length + 1;
    assert.equal(d.line, segmentLine);
    assert.equal(d.col, valueCol + 1 + 34, 'value start + quote + offset');
    assert.equal(d.path, 'segments.stuck_in_setup');
    assert.equal(d.message, "expected a value after '>', at column 35");
    assert.ok(
      err.message.startsWith(`milestones.yaml:${segmentLine}:${d.col}: segments.stuck_in_setup: expected a value after '>'`),
      err.message,
    );
  });

  test('columns follow the scalar style: plain, single-quoted with escapes', () => {
    const plain = configErrorOf(() => parseMilestones(withSegment(`age_days >> 3`), 'm.yaml')).diagnostics[0]!;
    assert.deepEqual([plain.line, plain.col, plain.length], [segmentLine, 19 + 9, 2]);
    assert.equal(plain.sourceLine, '  stuck_in_setup: age_days >> 3');

    // '' in the YAML is one quote in the value, so later offsets shift by one per pair.
    const quoted = configErrorOf(() => parseMilestones(withSegment(`'plan = ''a'' and seats ='`), 'm.yaml')).diagnostics[0]!;
    assert.equal(quoted.line, segmentLine);
    assert.equal(quoted.sourceLine!.slice(quoted.col - 1), `'`, 'points at the closing quote: the value is missing');

    // \" in a double-quoted scalar is one character of the value.
    const escaped = configErrorOf(() => parseMilestones(withSegment(String.raw`"plan = \"a\" ~ 1"`), 'm.yaml')).diagnostics[0]!;
    assert.equal(escaped.message, "unexpected character '~', at column 12");
    assert.equal(escaped.sourceLine![escaped.col - 1], '~');
  });

  test('a block scalar points at the line of the bad character', () => {
    const text = withSegment('>-').replace(
      `  stuck_in_setup: >-\n`,
      `  stuck_in_setup: >-\n    stage = 'signed_up'\n    and age_days ~ 14\n`,
    );
    const d = configErrorOf(() => parseMilestones(text, 'm.yaml')).diagnostics[0]!;
    assert.equal(d.line, segmentLine + 2);
    assert.equal(d.sourceLine, '    and age_days ~ 14');
    assert.equal(d.col, 18);
    assert.equal(d.message, "unexpected character '~', at column 34");
  });

  test('an unknown milestone in a segment names it and lists the known ones', () => {
    const err = configErrorOf(() =>
      parseMilestones(withSegment(`"milestones.activated.reached and not milestones.setup.reached"`), 'milestones.yaml'),
    );
    assert.equal(err.diagnostics.length, 1);
    const d = err.diagnostics[0]!;
    assert.equal(d.path, 'segments.stuck_in_setup');
    assert.equal(d.message, "unknown milestone 'activated' (milestones: setup, activation, utilization, maturity), at column 12");
    assert.equal(d.line, segmentLine);
    assert.equal(d.sourceLine!.slice(d.col - 1, d.col - 1 + d.length!), 'activated');
  });

  test('segment problems are listed with the schema problems of the same file', () => {
    const err = configErrorOf(() =>
      parseMilestones(
        lines(
          'milestones:', //                                       1
          '  setup:', //                                          2
          '    kind: checklist', //                               3
          '    steps: []', //                                     4
          'segments:', //                                         5
          "  a: \"stage = 'x' and\"", //                          6
          '  b: 42', //                                           7
          "  c: 'milestones.nope.progress > 0.5'", //            8
          "  d: 'milestones.setup.reached'", //                   9
        ),
        'm.yaml',
      ),
    );
    assert.deepEqual(
      err.diagnostics.map((d) => `${d.line}:${d.col}: ${d.path}: ${d.message}`),
      [
        '4:12: milestones.setup.steps: expected at least 1 item, got 0',
        "6:22: segments.a: expected a field, 'not' or '(' after 'and', at column 16",
        '7:6: segments.b: expected a non-empty string, got 42',
        "8:18: segments.c: unknown milestone 'nope' (milestones: setup), at column 12",
      ],
    );
  });
});

describe('segments in milestones.yaml: limits and fields, checked when the file loads', () => {
  const file = (segment: string) =>
    lines(
      'milestones:', //                                          1
      '  setup:', //                                             2
      '    kind: checklist', //                                  3
      '    steps: [{ id: a, when: { action: x, object: y } }]', // 4
      'segments:', //                                            5
      `  s: ${JSON.stringify(segment)}`, //                      6
    );
  const diagnostic = (segment: string) => {
    const err = configErrorOf(() => parseMilestones(file(segment), 'm.yaml'));
    assert.equal(err.diagnostics.length, 1, err.message);
    const d = err.diagnostics[0]!;
    assert.equal(d.line, 6);
    assert.equal(d.path, 'segments.s');
    return d.message;
  };

  test('a 10,000-term or chain and 3,000 nested parentheses are config errors, not a stack overflow', () => {
    const chain = Array.from({ length: 10_000 }, (_, i) => `seats = ${i}`).join(' or ');
    assert.match(diagnostic(chain), /^a segment expression is at most 4096 characters, got \d+; split it into simpler segments$/);
    assert.match(diagnostic('('.repeat(3000) + 'churned' + ')'.repeat(3000)), /at most 4096 characters, got 6007/);
  });

  test('nesting is bounded at 64 levels of parentheses and not', () => {
    assert.equal(parseMilestones(file('('.repeat(64) + 'churned' + ')'.repeat(64)), 'm.yaml').segments.s.length, 135);
    assert.equal(diagnostic('('.repeat(65) + 'churned' + ')'.repeat(65)), "nested more than 64 levels deep (parentheses and 'not'); write it flatter, at column 65");
    assert.match(diagnostic('not '.repeat(65) + 'churned'), /^nested more than 64 levels deep/);
  });

  test('the longest chain allowed (about 300 terms) loads', () => {
    let chain = 'churned';
    for (let i = 0; chain.length + 16 <= 4096; i++) chain += ` or seats = ${i}`;
    assert.deepEqual(parseMilestones(file(chain), 'm.yaml').segments.s, chain);
    assert.deepEqual(segmentFields(parseSegmentExpression(chain)), [['churned'], ['seats']]);
  });

  test('an unknown field is a config error at its line, listing the fields there are', () => {
    assert.equal(
      diagnostic(`foo = 'x'`),
      "unknown field 'foo' (fields: account_id, stage, plan, seats, age_days, churned, days_since_last_event, milestones.<milestone>.<field>), at column 1",
    );
    assert.equal(diagnostic('milestones.setup.reachd'), "unknown milestone field 'reachd' in milestones.setup.reachd (fields: reached, progress, days_to_reach, reached_at), at column 1");
    assert.equal(diagnostic('constructor'), "unknown field 'constructor' (fields: account_id, stage, plan, seats, age_days, churned, days_since_last_event, milestones.<milestone>.<field>), at column 1");
  });

  test('a value of the wrong type or an operator that does not apply is a config error too', () => {
    assert.equal(diagnostic(`age_days > 'x'`), "age_days is a number, got the string 'x', at column 12");
    assert.equal(diagnostic(`stage > 'a'`), "'>' does not apply to stage, a string; use =, !=, in or not in, at column 1");
    assert.equal(diagnostic('seats'), 'seats is a number, not a condition; compare it, e.g. seats > 0, at column 1');
  });
});
