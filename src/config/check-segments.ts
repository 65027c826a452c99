import type { ConfigDiagnostic } from './config-error.js';
import { parseSegmentExpression, SegmentExpressionError, type SegmentExpr } from './segment-expression.js';
import { checkSegment, SEGMENT_FIELDS } from './segment-fields.js';
import type { ConfigPath, YamlSource } from './yaml-source.js';

/**
 * The load-time check of `segments:` in milestones.yaml (a ConfigCheck): every expression
 * parses within its limits, reads only fields that exist (milestones of the same file
 * included) and compares them with values of their type, so `cairn segment` never meets a
 * bad expression. Errors point at the offending character inside the YAML scalar.
 */
export function checkSegmentExpressions(raw: unknown, source: YamlSource): ConfigDiagnostic[] {
  const segments = isRecord(raw) ? raw.segments : undefined;
  if (!isRecord(segments)) return [];
  // Without a readable milestones map, milestone fields are the schema's problem to report first.
  const milestones = isRecord(raw) && isRecord(raw.milestones) ? Object.keys(raw.milestones) : null;
  const out: ConfigDiagnostic[] = [];
  for (const [name, text] of Object.entries(segments)) {
    // Non-strings and empty strings are the schema's to report.
    if (typeof text !== 'string' || text.length === 0) continue;
    const path = ['segments', name];
    try {
      const expr: SegmentExpr = parseSegmentExpression(text);
      if (milestones !== null) checkSegment(expr, { ...SEGMENT_FIELDS, milestones });
    } catch (err) {
      if (!(err instanceof SegmentExpressionError)) throw err;
      out.push(diagnosticInScalar(source, path, text, err.offset, err.length, err.message));
    }
  }
  return out;
}

/** A diagnostic at `offset` into the scalar's value at `path`; at the value when unmappable. */
export function diagnosticInScalar(
  source: YamlSource,
  path: ConfigPath,
  value: string,
  offset: number,
  length: number,
  message: string,
): ConfigDiagnostic {
  const base = source.diagnostic(path, message);
  const [start, end] = source.locate(path);
  const from = positionInScalar(source.text, start, end, value, offset);
  if (from === null) return base;
  const to = positionInScalar(source.text, start, end, value, offset + length) ?? from + 1;
  const lineStart = source.text.lastIndexOf('\n', from - 1) + 1;
  const lineEnd = source.text.indexOf('\n', from);
  const sourceLine = source.text.slice(lineStart, lineEnd < 0 ? undefined : lineEnd).replace(/\r$/, '');
  const line = source.text.slice(0, lineStart).split('\n').length;
  const col = from - lineStart + 1;
  const room = Math.max(1, sourceLine.length - (col - 1));
  return { ...base, line, col, sourceLine, length: Math.min(Math.max(1, to - from), room) };
}

/**
 * Maps an offset in a scalar's parsed value back to the file, walking the raw text beside the
 * value: quotes, '' and \ escapes, block headers, indentation and folded line breaks.
 * Best effort (null when the two stop lining up); exact for single-line scalars.
 */
function positionInScalar(text: string, start: number, end: number, value: string, offset: number): number | null {
  const style = text[start];
  let j = start;
  if (style === '"' || style === "'") j++;
  else if (style === '|' || style === '>') {
    const nl = text.indexOf('\n', start);
    if (nl < 0 || nl >= end) return null;
    j = nl + 1;
  }
  const space = (c: string | undefined) => c === ' ' || c === '\t' || c === '\r' || c === '\n';
  let i = 0;
  while (i < offset && i < value.length) {
    if (j >= end) return null;
    const c = value[i];
    const r = text[j];
    if (style === "'" && r === "'" && text[j + 1] === "'" && c === "'") {
      i++;
      j += 2;
    } else if (style === '"' && r === '\\') {
      const e = text[j + 1];
      // An escaped line break joins lines without adding a character.
      if (e === '\n' || e === '\r') j += 2;
      else {
        j += e === 'x' ? 4 : e === 'u' ? 6 : e === 'U' ? 10 : 2;
        i++;
      }
    } else if (r === c) {
      i++;
      j++;
    } else if (space(r)) {
      // Indentation, or a line break folded into a space.
      if (r === '\n' && space(c)) i++;
      j++;
    } else {
      return null;
    }
  }
  if (offset < value.length && !space(value[offset])) while (j < end && space(text[j])) j++;
  return j;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
