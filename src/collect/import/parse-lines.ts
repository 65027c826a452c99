import type { TrackingPlan } from '../../config/index.js';
import { normalizeEvent, type PlanViolation, type QuarantineEntry } from '../../model/index.js';
import { EventBatchWriter } from '../../store/index.js';
import { ImportPlanCheck } from './import-plan-check.js';

export interface LineChunk {
  /** The file's name as the user gave it, for quarantine entries. */
  file: string;
  /** 1-based line number of the chunk's first line. */
  firstLine: number;
  /** Position of the file in the import: with the line, orders events so the first of two duplicates wins. */
  fileNo: number;
  text: string;
}

export interface ChunkResult {
  lines: number;
  rows: number;
  quarantine: QuarantineEntry[];
  /** Events stored although the tracking plan flags them, tallied. */
  violations: PlanViolation[];
  /** Message-id hash of each row written (see event-batch-file.ts). */
  hashes: Int32Array;
}

export interface ParseOptions {
  now: number;
  maxLineBytes: number;
  source: string;
  /** Checked as the collector checks; absent: every valid event is stored. */
  plan?: TrackingPlan;
}

/**
 * Checks each JSON line of a chunk: good events go to the batch writer, bad lines to the
 * returned quarantine entries with file, line and reason. Runs on worker threads or inline.
 */
export function parseJsonLines(chunk: LineChunk, writer: EventBatchWriter, opts: ParseOptions): Omit<ChunkResult, 'hashes'> {
  const quarantine: QuarantineEntry[] = [];
  const plan = new ImportPlanCheck(opts.plan, opts.source);
  const text = chunk.text;
  let start = 0;
  let lineNo = chunk.firstLine - 1;
  let rows = 0;
  const bad = (line: number, payload: string, reason: string, message: string, field: string | null = null) =>
    quarantine.push({ kind: 'event', source: opts.source, file: chunk.file, line, reason, field, message, payload, receivedAt: opts.now });

  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    lineNo++;
    const line = text.charCodeAt(end - 1) === 13 ? text.slice(start, end - 1) : text.slice(start, end);
    start = end + 1;
    if (line.trim() === '') continue;
    if (line.length > opts.maxLineBytes && Buffer.byteLength(line) > opts.maxLineBytes) {
      bad(lineNo, line, 'line_too_long', `line is longer than ${opts.maxLineBytes} bytes`);
      continue;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (err) {
      bad(lineNo, line, 'invalid_json', `not valid JSON: ${(err as Error).message}`);
      continue;
    }
    const checked = normalizeEvent(parsed, { now: opts.now });
    const refused = checked.ok ? plan.admit(checked.value) : checked.reject;
    if (checked.ok && !refused) {
      writer.write(chunk.fileNo, lineNo, checked.value);
      rows++;
    } else {
      bad(lineNo, line, refused!.reason, refused!.message, refused!.field ?? null);
    }
  }
  return { lines: lineNo - chunk.firstLine + 1, rows, quarantine, violations: plan.takeViolations() };
}

/** Parses a chunk into its own batch file. */
export function parseChunkToFile(chunk: LineChunk, outPath: string, opts: ParseOptions): ChunkResult {
  const writer = new EventBatchWriter(outPath);
  try {
    return { ...parseJsonLines(chunk, writer, opts), hashes: writer.hashes() };
  } finally {
    writer.close();
  }
}
