/**
 * The syntax of segment expressions (`segments:` in milestones.yaml), e.g.
 * `stage = 'signed_up' and age_days > 14`: a tokenizer and recursive-descent parser that
 * turn the text into a small AST, within SEGMENT_LIMITS so no expression can exhaust the
 * stack. Which fields exist is segment-fields.ts's business; check-segments.ts reports bad
 * expressions at their line in the file. User text never becomes SQL: src/milestones/
 * segments.ts evaluates the AST in TypeScript, segment-sql.ts writes it as a condition whose
 * columns come from a fixed list and whose values are bound.
 *
 * Grammar (keywords are case-insensitive; field names are lowercase):
 *   expr       := and ('or' and)*
 *   and        := not ('and' not)*
 *   not        := 'not' not | '(' expr ')' | comparison
 *   comparison := field (op value | ['not'] 'in' '(' value (',' value)* ')' | 'is' ['not'] 'null')?
 *   op         := = | != | <> | < | <= | > | >=
 *   value      := 'string' | "string" | -12.5 | true | false
 * A field on its own is a boolean test (`churned`, `milestones.setup.reached`).
 */

export type SegmentCompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=';

/** Offsets into the expression text: [start, end), 0-based. */
export interface SegmentSpan {
  start: number;
  end: number;
}

/** A value written in the expression. `null` is only written as `is [not] null`. */
export interface SegmentLiteral extends SegmentSpan {
  value: string | number | boolean;
}

export type SegmentExpr =
  | (SegmentSpan & { kind: 'and' | 'or'; left: SegmentExpr; right: SegmentExpr })
  | (SegmentSpan & { kind: 'not'; expr: SegmentExpr })
  | (SegmentSpan & { kind: 'compare'; field: string[]; op: SegmentCompareOp; value: SegmentLiteral })
  | (SegmentSpan & { kind: 'in'; field: string[]; values: SegmentLiteral[]; negated: boolean })
  | (SegmentSpan & { kind: 'is_null'; field: string[]; negated: boolean })
  | (SegmentSpan & { kind: 'truthy'; field: string[] });

/** A field as written, with where it sits; every leaf node starts with its field. */
export interface SegmentFieldRef extends SegmentSpan {
  field: string[];
}

/** A problem in a segment expression; `offset` is 0-based into it, `message` ends with its column. */
export class SegmentExpressionError extends Error {
  constructor(
    message: string,
    readonly offset: number,
    /** How many characters the problem spans (at least 1), for underlining. */
    readonly length = 1,
  ) {
    super(message);
  }
}

/** The expression does not parse. */
export class SegmentSyntaxError extends SegmentExpressionError {
  override readonly name = 'SegmentSyntaxError';
}

/** Bounds on one expression: a segment is a filter a person reads, and the parser recurses. */
export const SEGMENT_LIMITS = { chars: 4096, depth: 64 } as const;

/** Parses one segment expression; throws SegmentSyntaxError at the first problem. */
export function parseSegmentExpression(text: string): SegmentExpr {
  if (text.length > SEGMENT_LIMITS.chars) {
    throw new SegmentSyntaxError(
      `a segment expression is at most ${SEGMENT_LIMITS.chars} characters, got ${text.length}; split it into simpler segments`,
      SEGMENT_LIMITS.chars,
    );
  }
  return new Parser(text).parse();
}

/** Every distinct field the expression reads, in order of first use. */
export function segmentFields(expr: SegmentExpr): string[][] {
  const seen = new Set<string>();
  const out: string[][] = [];
  for (const ref of segmentFieldRefs(expr)) {
    const key = ref.field.join('.');
    if (!seen.has(key)) out.push(ref.field);
    seen.add(key);
  }
  return out;
}

/** Every field use with its offsets, in text order (repeats included). */
export function segmentFieldRefs(expr: SegmentExpr): SegmentFieldRef[] {
  switch (expr.kind) {
    case 'and':
    case 'or':
      return [...segmentFieldRefs(expr.left), ...segmentFieldRefs(expr.right)];
    case 'not':
      return segmentFieldRefs(expr.expr);
    default: {
      const start = expr.start;
      return [{ field: expr.field, start, end: start + expr.field.join('.').length }];
    }
  }
}

/** `at column 14`, or `at line 2, column 3` when the expression spans lines (YAML blocks). */
function segmentPosition(text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const column = offset - lineStart + 1;
  if (lineStart === 0) return `at column ${column}`;
  const line = text.slice(0, lineStart).split('\n').length;
  return `at line ${line}, column ${column}`;
}

// ---------------------------------------------------------------------------------------
// Tokens

type Token = SegmentSpan & { text: string } & (
    | { type: 'name'; parts: string[] }
    | { type: 'keyword'; word: Keyword }
    | { type: 'string'; value: string }
    | { type: 'number'; value: number }
    | { type: 'op'; op: SegmentCompareOp }
    | { type: '(' | ')' | ',' | 'end' }
  );

type Keyword = 'and' | 'or' | 'not' | 'in' | 'is' | 'null' | 'true' | 'false';
const KEYWORDS = new Set<string>(['and', 'or', 'not', 'in', 'is', 'null', 'true', 'false']);
const OPS: Record<string, SegmentCompareOp> = { '=': '=', '!=': '!=', '<>': '!=', '<': '<', '<=': '<=', '>': '>', '>=': '>=' };
/** Operators people bring from other languages, and what to write instead. */
const OP_HINTS: Record<string, string> = {
  '==': "write '='",
  '===': "write '='",
  '=>': "write '>='",
  '=<': "write '<='",
  '!': "write 'not'",
  '&&': "write 'and'",
  '&': "write 'and'",
  '||': "write 'or'",
  '|': "write 'or'",
};

const NAME = /[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*/y;
const NUMBER = /-?\d+(?:\.\d+)?/y;
const NUMBER_LIKE = /[-\w.]+/y;
const OPERATOR = /[=!<>&|]+/y;
const FIELD_PART = /^[a-z_][a-z0-9_]*$/;

/** Scans lazily, so the first problem in the text is the one reported. */
class Lexer {
  private pos = 0;
  private readonly buffer: Token[] = [];

  constructor(readonly text: string) {}

  peek(): Token {
    if (this.buffer.length === 0) this.buffer.push(this.scan());
    return this.buffer[0]!;
  }

  next(): Token {
    const token = this.peek();
    this.buffer.shift();
    return token;
  }

  error(message: string, offset: number, length = 1): SegmentSyntaxError {
    return new SegmentSyntaxError(`${message}, ${segmentPosition(this.text, offset)}`, offset, Math.max(1, length));
  }

  private scan(): Token {
    const text = this.text;
    while (this.pos < text.length && /\s/.test(text[this.pos]!)) this.pos++;
    const start = this.pos;
    const at = (end: number) => {
      this.pos = end;
      return { start, end, text: text.slice(start, end) };
    };
    if (start >= text.length) return { type: 'end', ...at(start) };
    const ch = text[start]!;

    if (/[A-Za-z_]/.test(ch)) {
      const word = match(NAME, text, start)!;
      const end = start + word.length;
      if (text[end] === '.') throw this.error(`expected a name after '${word}.'`, end + 1);
      const lower = word.toLowerCase();
      if (KEYWORDS.has(lower)) return { type: 'keyword', word: lower as Keyword, ...at(end) };
      return { type: 'name', parts: word.split('.'), ...at(end) };
    }
    if (/\d/.test(ch) || (ch === '-' && /\d/.test(text[start + 1] ?? ''))) {
      const num = match(NUMBER, text, start)!;
      // `14days` or `1.2.3` is one mistake, not a number followed by something else.
      const whole = match(NUMBER_LIKE, text, start)!;
      if (whole.length > num.length) throw this.error(`invalid number '${whole}'`, start, whole.length);
      return { type: 'number', value: Number(num), ...at(start + num.length) };
    }
    if (ch === "'" || ch === '"') return this.scanString(ch);
    if (ch === '(' || ch === ')' || ch === ',') return { type: ch, ...at(start + 1) };
    const op = match(OPERATOR, text, start);
    if (op) {
      const known = OPS[op];
      if (known) return { type: 'op', op: known, ...at(start + op.length) };
      const hint = OP_HINTS[op] ? `; ${OP_HINTS[op]}` : ' (operators: = != <> < <= > >=)';
      throw this.error(`unknown operator '${op}'${hint}`, start, op.length);
    }
    if (ch === '-') throw this.error("expected a digit after '-'", start + 1);
    throw this.error(`unexpected character '${ch}'`, start);
  }

  /** Quoted strings: the quote doubled ('it''s') or a backslash (\\, \', \") escapes it. */
  private scanString(quote: string): Token {
    const text = this.text;
    const start = this.pos;
    let value = '';
    let i = start + 1;
    while (i < text.length) {
      const ch = text[i]!;
      if (ch === quote) {
        if (text[i + 1] !== quote) {
          this.pos = i + 1;
          return { type: 'string', value, start, end: i + 1, text: text.slice(start, i + 1) };
        }
        value += quote;
        i += 2;
      } else if (ch === '\\') {
        const next = text[i + 1];
        if (next === undefined) break;
        if (next !== '\\' && next !== "'" && next !== '"') {
          throw this.error(`unknown escape '\\${next}' in a string; write '\\\\' for a backslash`, i, 2);
        }
        value += next;
        i += 2;
      } else {
        value += ch;
        i++;
      }
    }
    throw this.error(`unterminated string (no closing ${quote})`, start, text.length - start);
  }
}

function match(re: RegExp, text: string, at: number): string | null {
  re.lastIndex = at;
  return re.exec(text)?.[0] ?? null;
}

/** A token as a person would name it in an error. */
function describe(token: Token): string {
  switch (token.type) {
    case 'end':
      return 'the end of the expression';
    case 'string':
      return `the string ${shorten(token.text)}`;
    case 'number':
      return token.text;
    default:
      return `'${shorten(token.text)}'`;
  }
}

function shorten(s: string): string {
  return s.length > 30 ? `${s.slice(0, 27)}...` : s;
}

// ---------------------------------------------------------------------------------------
// Parser

class Parser {
  private readonly lexer: Lexer;
  /** The last token consumed, for "expected … after '>'". */
  private prev: Token | null = null;
  /** Parentheses and `not`s open around the current token. */
  private depth = 0;

  constructor(text: string) {
    this.lexer = new Lexer(text);
  }

  parse(): SegmentExpr {
    if (this.peek().type === 'end') throw this.lexer.error('expected an expression, got nothing', 0);
    const expr = this.parseOr();
    const t = this.peek();
    if (t.type === ')') throw this.lexer.error("unmatched ')'", t.start);
    if (t.type !== 'end') this.fail("expected 'and', 'or' or the end of the expression", t, false);
    return expr;
  }

  private parseOr(): SegmentExpr {
    let left = this.parseAnd();
    while (this.isKeyword('or')) {
      this.next();
      const right = this.parseAnd();
      left = { kind: 'or', left, right, start: left.start, end: right.end };
    }
    return left;
  }

  private parseAnd(): SegmentExpr {
    let left = this.parseNot();
    while (this.isKeyword('and')) {
      this.next();
      const right = this.parseNot();
      left = { kind: 'and', left, right, start: left.start, end: right.end };
    }
    return left;
  }

  private parseNot(): SegmentExpr {
    const t = this.peek();
    if ((this.isKeyword('not') || t.type === '(') && ++this.depth > SEGMENT_LIMITS.depth) {
      throw this.lexer.error(`nested more than ${SEGMENT_LIMITS.depth} levels deep (parentheses and 'not'); write it flatter`, t.start, t.end - t.start);
    }
    if (this.isKeyword('not')) {
      this.next();
      const expr = this.parseNot();
      this.depth--;
      return { kind: 'not', expr, start: t.start, end: expr.end };
    }
    if (t.type === '(') {
      this.next();
      const inner = this.parseOr();
      const close = this.peek();
      if (close.type !== ')') {
        this.fail(`expected ')' to close the '(' from column ${t.start + 1}`, close, false);
      }
      this.next();
      this.depth--;
      return inner;
    }
    if (t.type === 'name') return this.parseComparison(this.next() as NameToken);
    return this.fail("expected a field, 'not' or '('", t);
  }

  private parseComparison(name: NameToken): SegmentExpr {
    const field = this.checkField(name);
    const start = name.start;
    const t = this.peek();
    if (t.type === 'op') {
      this.next();
      const value = this.parseValue();
      return { kind: 'compare', field, op: t.op, value, start, end: value.end };
    }
    if (this.isKeyword('in') || this.isKeyword('not')) {
      const negated = this.isKeyword('not');
      this.next();
      if (negated) {
        if (!this.isKeyword('in')) this.fail("expected 'in'", this.peek());
        this.next();
      }
      const { values, end } = this.parseList();
      return { kind: 'in', field, values, negated, start, end };
    }
    if (this.isKeyword('is')) {
      this.next();
      const negated = this.isKeyword('not');
      if (negated) this.next();
      const nul = this.peek();
      if (!this.isKeyword('null')) this.fail("expected 'null'", nul);
      this.next();
      return { kind: 'is_null', field, negated, start, end: nul.end };
    }
    // A value or a word right after a field is a missing or misspelt operator (`stage 'x'`, `plan like 'a'`).
    if (t.type === 'name' || t.type === 'string' || t.type === 'number' || this.isKeyword('true') || this.isKeyword('false')) {
      this.fail('expected an operator (= != <> < <= > >= in, not in, is null)', t);
    }
    return { kind: 'truthy', field, start, end: name.end };
  }

  private parseValue(): SegmentLiteral {
    const t = this.peek();
    const at = { start: t.start, end: t.end };
    if (t.type === 'string' || t.type === 'number') {
      this.next();
      return { value: t.value, ...at };
    }
    if (t.type === 'keyword' && (t.word === 'true' || t.word === 'false')) {
      this.next();
      return { value: t.word === 'true', ...at };
    }
    if (t.type === 'keyword' && t.word === 'null') {
      throw this.lexer.error("a comparison with null is never true; write 'is null' or 'is not null'", t.start, t.text.length);
    }
    if (t.type === 'name') this.fail('expected a value', t, true, ` (quote text: '${t.text}')`);
    return this.fail('expected a value', t);
  }

  private parseList(): { values: SegmentLiteral[]; end: number } {
    if (this.peek().type !== '(') this.fail("expected '('", this.peek());
    this.next();
    const values = [this.parseValue()];
    for (;;) {
      const t = this.peek();
      if (t.type === ')') {
        this.next();
        return { values, end: t.end };
      }
      if (t.type !== ',') this.fail("expected ',' or ')' in the list", t, false);
      this.next();
      values.push(this.parseValue());
    }
  }

  /** Field names are lowercase, as milestone names are; keywords are the only case-free words. */
  private checkField(name: NameToken): string[] {
    let offset = name.start;
    for (const part of name.parts) {
      if (!FIELD_PART.test(part)) {
        throw this.lexer.error(
          `expected a field name of lowercase letters, digits and underscores, got '${name.text}'`,
          offset,
          part.length,
        );
      }
      offset += part.length + 1;
    }
    return name.parts;
  }

  /** Throws "expected X after 'prev', got Y, at column N" (no "got" at the end of input). */
  private fail(expected: string, got: Token, after = true, hint = ''): never {
    const prev = after && this.prev ? ` after '${shorten(this.prev.text)}'` : '';
    const found = got.type === 'end' ? '' : `, got ${describe(got)}`;
    throw this.lexer.error(`${expected}${prev}${found}${hint}`, got.start, got.end - got.start);
  }

  private peek(): Token {
    return this.lexer.peek();
  }

  private next(): Token {
    this.prev = this.lexer.next();
    return this.prev;
  }

  private isKeyword(word: Keyword): boolean {
    const t = this.peek();
    return t.type === 'keyword' && t.word === word;
  }
}

type NameToken = Extract<Token, { type: 'name' }>;
