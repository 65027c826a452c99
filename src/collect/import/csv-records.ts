import { StringDecoder } from 'node:string_decoder';
import type { OpenedFile } from './file-source.js';

export interface CsvRecord {
  kind: 'record';
  /** 1-based line where the record starts. */
  line: number;
  /** By header name; no prototype, so a column named `__proto__` is a column like any other. */
  values: Record<string, string>;
  /** The record as it is in the file (its lines, without the last line break). */
  raw: string;
}

/** One malformed record: the line it starts on, what is wrong, and the record whole. */
export interface CsvProblem {
  kind: 'problem';
  line: number;
  message: string;
  raw: string;
}

/** A quoted field may run over this many lines before its opening quote is taken for a mistake. */
const MAX_RECORD_LINES = 100;

/**
 * Streams a CSV file (RFC 4180, a header row first) as records and problems, in file order.
 * One malformed record is one problem holding the record whole, and reading goes on at the
 * next line. A record over several lines that fails (or runs on past MAX_RECORD_LINES or the
 * end of the file) most likely began with a stray quote: its first line is the problem, and
 * the lines after it are read again as records of their own, so one stray quote costs one
 * line, not the rest of the file. (csv-parse resumes mid-record after an error, which turned
 * one bad row into several problems holding parts of it, so Cairn reads CSV itself.)
 */
export async function* csvRecords(input: OpenedFile): AsyncGenerator<CsvRecord | CsvProblem> {
  const reader = new FieldReader();
  let header: string[] | null = null;
  const pending: Line[] = [];

  /** Reads a line as the start or the continuation of a record; lines to read again go back on the queue. */
  function* read(line: Line): Generator<CsvRecord | CsvProblem> {
    const queue = [line];
    while (queue.length > 0) {
      const next = queue.shift()!;
      if (pending.length === 0 && next.text.trim() === '') continue;
      pending.push(next);
      let state = reader.feed(next.text, next.end);
      if (state === 'open' && next.end !== '' && pending.length < MAX_RECORD_LINES) continue;
      const first = pending[0];
      if (state === 'complete') {
        const fields = reader.take();
        const raw = pending.map((l, i) => l.text + (i < pending.length - 1 ? l.end : '')).join('');
        if (header === null) header = fields.map((h) => h.trim().toLowerCase());
        else if (fields.length === header.length) {
          const values: Record<string, string> = Object.create(null);
          header.forEach((h, i) => (values[h] = fields[i]));
          yield { kind: 'record', line: first.n, values, raw };
        } else if (pending.length === 1) {
          yield { kind: 'problem', line: first.n, message: `expected ${header.length} columns (${header.join(',')}), got ${fields.length}`, raw };
        } else state = `read over lines ${first.n}-${next.n} it has ${fields.length} columns, not ${header.length}`;
        if (state === 'complete') {
          pending.length = 0;
          continue;
        }
      }
      reader.reset();
      const open = `it is still open ${next.end === '' ? 'at the end of the file' : `after ${MAX_RECORD_LINES} lines`}`;
      if (pending.length === 1) yield { kind: 'problem', line: first.n, message: state === 'open' ? `a quoted field is not closed (${open})` : state, raw: first.text };
      else {
        // Read over several lines it failed: most likely its opening quote was a stray one.
        yield { kind: 'problem', line: first.n, message: `a quoted field opens on this line and does not close as it should (${state === 'open' ? open : state})`, raw: first.text };
        queue.unshift(...pending.slice(1));
      }
      pending.length = 0;
    }
  }

  for await (const lines of physicalLines(input)) for (const line of lines) yield* read(line);
  // The file ended inside a quoted field.
  if (pending.length > 0) yield* read({ n: pending[pending.length - 1].n + 1, text: '', end: '' });
}

interface Line {
  /** 1-based. */
  n: number;
  text: string;
  /** The line break that ended it: \n, \r\n, \r, or '' at the end of the file. */
  end: string;
}

/** Physical lines with their line breaks, numbered from 1, a chunk's worth at a time; a byte-order mark dropped. */
async function* physicalLines(input: OpenedFile): AsyncGenerator<Line[]> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  let n = 0;
  const cut = (final: boolean): Line[] => {
    const out: Line[] = [];
    let start = 0;
    for (;;) {
      const lf = rest.indexOf('\n', start);
      const cr = rest.indexOf('\r', start);
      const at = cr !== -1 && (lf === -1 || cr < lf) ? cr : lf;
      if (at === -1) break;
      // A \r at the end of the text may be the first half of \r\n: wait for more.
      if (at === rest.length - 1 && rest[at] === '\r' && !final) break;
      const end = rest[at] === '\r' && rest[at + 1] === '\n' ? '\r\n' : rest[at];
      out.push({ n: ++n, text: rest.slice(start, at), end });
      start = at + end.length;
    }
    rest = rest.slice(start);
    if (final && rest !== '') out.push({ n: ++n, text: rest, end: '' });
    return out;
  };
  for await (const chunk of input.stream as AsyncIterable<Buffer>) {
    rest += decoder.write(chunk);
    if (n === 0 && rest.charCodeAt(0) === 0xfeff) rest = rest.slice(1);
    yield cut(false);
  }
  rest += decoder.end();
  yield cut(true);
}

const QUOTE = 34;
const COMMA = 44;

/** RFC 4180 fields, one physical line at a time: a quoted field may hold commas, "" and line breaks. */
class FieldReader {
  private fields: string[] = [];
  private field = '';
  private inQuotes = false;

  reset(): void {
    this.fields = [];
    this.field = '';
    this.inQuotes = false;
  }

  take(): string[] {
    const out = this.fields;
    this.reset();
    return out;
  }

  /** Reads one line: the record is complete, still open (in a quoted field), or why it is malformed. */
  feed(text: string, end: string): 'complete' | 'open' | string {
    let i = 0;
    while (i <= text.length) {
      if (this.inQuotes) {
        const q = text.indexOf('"', i);
        if (q === -1) {
          this.field += text.slice(i) + end;
          return 'open';
        }
        this.field += text.slice(i, q);
        if (text.charCodeAt(q + 1) === QUOTE) {
          this.field += '"';
          i = q + 2;
          continue;
        }
        this.inQuotes = false;
        i = q + 1;
        // Only a comma or the end of the record may follow a closing quote.
        if (i < text.length && text.charCodeAt(i) !== COMMA) {
          return `column ${this.fields.length + 1}: a quoted field must end at its closing quote, got ${JSON.stringify(text[i])} after it`;
        }
      } else if (text.charCodeAt(i) === QUOTE) {
        this.inQuotes = true;
        i++;
        continue;
      } else {
        const comma = text.indexOf(',', i);
        const stop = comma === -1 ? text.length : comma;
        const value = text.slice(i, stop);
        if (value.includes('"')) return `column ${this.fields.length + 1}: a quote inside an unquoted field (quote the whole field and double the quote: "")`;
        this.field = value;
        i = stop;
      }
      // At a comma or the end of the line: the field is done.
      this.fields.push(this.field);
      this.field = '';
      if (i >= text.length) return 'complete';
      i++;
      if (i === text.length) {
        // A comma last on the line: an empty last field.
        this.fields.push('');
        return 'complete';
      }
    }
    return 'complete';
  }
}
