import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { TrackingPlan } from '../../config/index.js';
import { IMPORT_SOURCE, normalizeEvent, type PlanViolation, type QuarantineEntry } from '../../model/index.js';
import { EventBatchWriter, NO_WRITE, RepeatedHashes, type EventBatch, type Store } from '../../store/index.js';
import { csvRecords } from './csv-records.js';
import { detectFormat, openInput, type OpenedFile } from './file-source.js';
import { ImportPlanCheck } from './import-plan-check.js';
import { lineChunks } from './line-chunks.js';
import { parquetRows } from './parquet-records.js';
import { parseChunkToFile, type ChunkResult, type ParseOptions } from './parse-lines.js';
import { ParserPool } from './worker-pool.js';

export interface ImportProgress {
  file: string;
  bytesRead: number;
  totalBytes: number;
}

export interface EventImportOptions {
  /** Source recorded on stored events and quarantine entries. */
  source?: string;
  /** Upper bound for timestamps, epoch ms; now by default. */
  now?: number;
  maxLineBytes?: number;
  /** The tracking plan, applied as the collector applies it: flagged events counted, violating ones quarantined. */
  plan?: TrackingPlan;
  /** Parser threads for JSON lines; 0 parses on the main thread. */
  workers?: number;
  /** Bytes of JSON lines per parser job. */
  chunkBytes?: number;
  /** Parsed rows gathered before they are merged into the store. */
  mergeRows?: number;
  onProgress?: (p: ImportProgress) => void;
}

export interface ImportSummary {
  imported: number;
  duplicates: number;
  quarantined: number;
  /** With a plan: stored, but counted as plan violations (the plan says flag). */
  flagged?: number;
  lines: number;
}

const DEFAULTS = { maxLineBytes: 32 * 1024, chunkBytes: 4 << 20, mergeRows: 2_000_000 };

/**
 * Imports event files (JSON lines, optionally gzipped; CSV; Parquet) into the store. Lines are
 * parsed and checked on worker threads into normalized batch files that the store bulk-loads;
 * bad lines go to quarantine with file, line and reason and never stop the import.
 */
export async function importEvents(store: Store, files: readonly string[], options: EventImportOptions = {}): Promise<ImportSummary> {
  const opts = { ...DEFAULTS, ...options };
  const parse: ParseOptions = { now: opts.now ?? Date.now(), maxLineBytes: opts.maxLineBytes, source: opts.source ?? IMPORT_SOURCE, plan: opts.plan };
  const tmp = await mkdtemp(join(tmpdir(), 'cairn-import-'));
  const workers = opts.workers ?? Math.min(2, availableParallelism());
  const pool = workers > 0 ? new ParserPool(workers) : null;
  const summary: ImportSummary = { imported: 0, duplicates: 0, quarantined: 0, ...(opts.plan ? { flagged: 0 } : {}), lines: 0 };

  // Batch files wait here until enough rows gather; merges run while parsing goes on.
  let ready: string[] = [];
  let readyRows = 0;
  const repeated = new RepeatedHashes();
  let quarantine: QuarantineEntry[] = [];
  let violations: PlanViolation[] = [];
  let merging: Promise<void> = Promise.resolve();
  const flush = () => {
    const batch: EventBatch = { files: ready, rows: readyRows, repeatedHashes: repeated.take() };
    const held = quarantine;
    const flagged = violations;
    ready = [];
    readyRows = 0;
    quarantine = [];
    violations = [];
    merging = merging.then(async () => {
      const r = await store.loadEventBatch(batch, parse.source);
      summary.imported += r.inserted;
      summary.duplicates += r.duplicates;
      await store.addToQuarantine(held);
      if (flagged.length) await store.applyCollected({ ...NO_WRITE, violations: flagged });
      await Promise.all(batch.files.map((f) => rm(f, { force: true })));
    });
  };
  const collect = (path: string, result: ChunkResult) => {
    summary.lines += result.lines;
    summary.quarantined += result.quarantine.length;
    quarantine.push(...result.quarantine);
    for (const v of result.violations) summary.flagged! += v.count ?? 1;
    violations.push(...result.violations);
    ready.push(path);
    readyRows += result.rows;
    repeated.add(result.hashes);
    if (readyRows >= opts.mergeRows) flush();
  };

  let batchNo = 0;
  const nextBatchPath = () => join(tmp, `batch-${batchNo++}.tsv`);
  try {
    for (const [fileIndex, file] of files.entries()) {
      const input = await openInput(file);
      const ctx: FileContext = { file, name: basename(file), fileNo: fileIndex, input, parse, nextBatchPath, collect };
      const report = () => opts.onProgress?.({ file, bytesRead: input.position(), totalBytes: input.size });
      const format = detectFormat(file);
      if (format === 'jsonl') await importJsonLines(ctx, pool, opts.chunkBytes, report);
      else if (format === 'csv') await importRecords(ctx, csvEventRecords(ctx), report);
      else await importRecords(ctx, parquetRecords(file), report);
      report();
    }
    flush();
    await merging;
  } finally {
    await merging.catch(() => undefined);
    await pool?.close();
    await rm(tmp, { recursive: true, force: true });
  }
  return summary;
}

interface FileContext {
  file: string;
  name: string;
  fileNo: number;
  input: OpenedFile;
  parse: ParseOptions;
  nextBatchPath: () => string;
  collect: (path: string, result: ChunkResult) => void;
}

/** Cuts the byte stream into chunks of whole lines and parses them on the pool (or inline). */
async function importJsonLines(ctx: FileContext, pool: ParserPool | null, chunkBytes: number, report: () => void): Promise<void> {
  let nextLine = 1;
  const inflight = new Set<Promise<void>>();
  const jobs: Promise<void>[] = [];
  const track = (job: Promise<void>) => {
    jobs.push(job);
    inflight.add(job);
    job.then(() => inflight.delete(job), () => inflight.delete(job));
  };

  const dispatch = async (bytes: Uint8Array, lines: number) => {
    const firstLine = nextLine;
    nextLine += lines;
    const outPath = ctx.nextBatchPath();
    const result = pool
      ? await pool.run({ file: ctx.name, firstLine, fileNo: ctx.fileNo, bytes, outPath, options: ctx.parse })
      : parseChunkToFile({ file: ctx.name, firstLine, fileNo: ctx.fileNo, text: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8') }, outPath, ctx.parse);
    ctx.collect(outPath, result);
  };

  for await (const chunk of lineChunks(ctx.input, chunkBytes)) {
    track(dispatch(chunk.bytes, chunk.lines));
    report();
    // Hold reading while the parsers are busy, so memory stays bounded on huge files.
    while (inflight.size > 4) await Promise.race(inflight);
  }
  await Promise.all(jobs);
}

interface RawRecord {
  line: number;
  value: unknown;
  raw: string;
}

/** CSV and Parquet rows are parsed on the main thread, then checked like JSON lines. */
async function importRecords(ctx: FileContext, records: AsyncIterable<RawRecord>, report: () => void): Promise<void> {
  const outPath = ctx.nextBatchPath();
  const writer = new EventBatchWriter(outPath);
  const result: Omit<ChunkResult, 'hashes'> = { lines: 0, rows: 0, quarantine: [], violations: [] };
  const plan = new ImportPlanCheck(ctx.parse.plan, ctx.parse.source);
  const bad = (line: number, raw: string, reason: string, message: string, field: string | null) =>
    result.quarantine.push({ kind: 'event', source: ctx.parse.source, file: ctx.name, line, reason, field, message, payload: raw, receivedAt: ctx.parse.now });
  try {
    for await (const rec of records) {
      result.lines = Math.max(result.lines, rec.line);
      if (rec.value instanceof Error) {
        bad(rec.line, rec.raw, 'invalid_row', rec.value.message, null);
        continue;
      }
      const checked = normalizeEvent(rec.value, { now: ctx.parse.now });
      const refused = checked.ok ? plan.admit(checked.value) : checked.reject;
      if (checked.ok && !refused) {
        writer.write(ctx.fileNo, rec.line, checked.value);
        result.rows++;
      } else {
        bad(rec.line, rec.raw, refused!.reason, refused!.message, refused!.field ?? null);
      }
      if (result.lines % 50_000 === 0) report();
    }
  } finally {
    writer.close();
  }
  ctx.collect(outPath, { ...result, violations: plan.takeViolations(), hashes: writer.hashes() });
}

/** CSV columns per import format v1; metadata is a JSON object in one column. */
async function* csvEventRecords(ctx: FileContext): AsyncGenerator<RawRecord> {
  for await (const rec of csvRecords(ctx.input)) {
    if (rec.kind === 'problem') {
      yield { line: rec.line, value: new Error(rec.message), raw: rec.raw };
      continue;
    }
    const v: Record<string, unknown> = { ...rec.values };
    const m = rec.values.metadata?.trim();
    if (m) {
      try {
        v.metadata = JSON.parse(m);
      } catch {
        yield { line: rec.line, value: new Error(`metadata is not valid JSON: ${m.slice(0, 80)}`), raw: rec.raw };
        continue;
      }
    } else delete v.metadata;
    yield { line: rec.line, value: v, raw: rec.raw };
  }
}

/** Parquet rows; metadata written as JSON text is read as an object. */
async function* parquetRecords(file: string): AsyncGenerator<RawRecord> {
  for await (const row of parquetRows(file)) {
    const value = row.value;
    if (typeof value.metadata === 'string' && value.metadata.startsWith('{')) {
      try {
        value.metadata = JSON.parse(value.metadata);
      } catch {
        // left as a string: the check rejects it with the reason
      }
    }
    yield row;
  }
}
