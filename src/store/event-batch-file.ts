import { closeSync, openSync, writeSync } from 'node:fs';
import type { TrackedEvent } from '../model/index.js';

/**
 * The normalized batch file: how checked events travel from the parsers (on any thread) to an
 * engine's bulk loader. Tab-separated, one event per line, no quoting: every text field has
 * been checked free of control characters, and metadata is JSON (which escapes them), so a
 * tab or newline can only be a separator. Empty means NULL. Both engines load it natively.
 */
export const EVENT_BATCH_COLUMNS = [
  ['file_no', 'integer'],
  ['line', 'integer'],
  ['id_hash', 'integer'],
  ['message_id', 'text'],
  ['account_id', 'text'],
  ['user_id', 'text'],
  ['anonymous_id', 'text'],
  ['action', 'text'],
  ['object', 'text'],
  ['place', 'text'],
  ['metadata', 'text'],
  ['timestamp_ms', 'bigint'],
  ['count', 'integer'],
] as const;

/**
 * Batch files to load together, with what the writers already know: the rows in them, and
 * the id hashes seen more than once (only rows with those hashes can be duplicates of each
 * other, so the loader de-duplicates those few rows exactly and leaves the rest alone).
 */
export interface EventBatch {
  files: string[];
  rows: number;
  repeatedHashes: number[];
}

const HASH_BITS = 27;

/**
 * A 27-bit FNV-1a hash of a message id. Collisions only make a row a candidate for the exact
 * duplicate check (about 1.5% of a 2M-row batch), never drop it; a small integer is cheap to
 * print and to mark in a bitmap, which matters at millions of rows.
 */
export function messageIdHash(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return h >>> (32 - HASH_BITS);
}

/** Finds the id hashes seen more than once across the files of one batch, with two bitmaps. */
export class RepeatedHashes {
  private seen = new Uint8Array(1 << (HASH_BITS - 3));
  private marked = new Uint8Array(1 << (HASH_BITS - 3));
  private repeated: number[] = [];

  add(hashes: Int32Array): void {
    const { seen, marked } = this;
    for (const h of hashes) {
      const byte = h >>> 3;
      const bit = 1 << (h & 7);
      if ((seen[byte] & bit) === 0) seen[byte] |= bit;
      else if ((marked[byte] & bit) === 0) {
        marked[byte] |= bit;
        this.repeated.push(h);
      }
    }
  }

  take(): number[] {
    const out = this.repeated;
    this.repeated = [];
    this.seen.fill(0);
    this.marked.fill(0);
    return out;
  }
}

let shared: RepeatedHashes | null = null;

/** The id hashes repeated within one batch's hashes; one pair of bitmaps (32 MB) serves every call. */
export function repeatedHashes(hashes: Int32Array): number[] {
  shared ??= new RepeatedHashes();
  shared.add(hashes);
  return shared.take();
}

/** The id hash of a batch line (its third column). */
export function batchLineHash(line: string): number {
  const a = line.indexOf('\t', line.indexOf('\t') + 1);
  return Number(line.slice(a + 1, line.indexOf('\t', a + 1)));
}

/** An event read back from a batch line (the inverse of {@link EventBatchWriter.write}). */
export function parseBatchLine(line: string): TrackedEvent {
  const c = line.split('\t');
  return {
    messageId: c[3],
    accountId: c[4],
    userId: c[5] || null,
    anonymousId: c[6] || null,
    action: c[7],
    object: c[8],
    place: c[9] || null,
    metadata: JSON.parse(c[10]) as Record<string, unknown>,
    timestamp: Number(c[11]),
    count: Number(c[12]),
  };
}

/** Why a batch line cannot be loaded (a damaged file), or null when it can. */
export function batchLineProblem(line: string): string | null {
  const c = line.split('\t');
  if (c.length !== EVENT_BATCH_COLUMNS.length) return `expected ${EVENT_BATCH_COLUMNS.length} tab-separated columns, got ${c.length}`;
  for (const i of [0, 1, 2, 11, 12]) if (!/^-?\d+$/.test(c[i])) return `${EVENT_BATCH_COLUMNS[i][0]} is not a whole number: ${JSON.stringify(c[i].slice(0, 40))}`;
  for (const i of [3, 4, 7, 8]) if (c[i] === '') return `${EVENT_BATCH_COLUMNS[i][0]} is empty`;
  try {
    const m: unknown = JSON.parse(c[10]);
    if (typeof m !== 'object' || m === null || Array.isArray(m)) return 'metadata is not a JSON object';
  } catch (err) {
    return `metadata is not JSON: ${(err as Error).message}`;
  }
  return null;
}

// Small flushes keep the pending text young: a long-lived 1 MB rope doubled the GC time.
const FLUSH_BYTES = 64 * 1024;

/**
 * Appends events to a batch file. (file_no, line) orders them so the first of a duplicate
 * wins; both, and the id hash, are small integers, which print several times faster than
 * large doubles.
 */
export class EventBatchWriter {
  /** The open file, for callers that must fsync it (the collector's log). */
  readonly fd: number;
  private buffer = '';
  private hashList = new Int32Array(4096);
  rows = 0;

  constructor(readonly path: string) {
    // Owner-only: batch files hold collected data (the collector's log is made of them).
    this.fd = openSync(path, 'w', 0o600);
  }

  write(fileNo: number, line: number, e: TrackedEvent): void {
    const hash = messageIdHash(e.messageId);
    this.buffer += `${fileNo}\t${line}\t${hash}\t${e.messageId}\t${e.accountId}\t${e.userId ?? ''}\t${e.anonymousId ?? ''}\t${e.action}\t${e.object}\t${e.place ?? ''}\t${JSON.stringify(e.metadata)}\t${e.timestamp}\t${e.count}\n`;
    if (this.rows === this.hashList.length) {
      const grown = new Int32Array(this.rows * 2);
      grown.set(this.hashList);
      this.hashList = grown;
    }
    this.hashList[this.rows++] = hash;
    if (this.buffer.length >= FLUSH_BYTES) this.flush();
  }

  /** The id hash of every row written, in order. */
  hashes(): Int32Array {
    return this.hashList.slice(0, this.rows);
  }

  flush(): void {
    if (this.buffer) writeSync(this.fd, this.buffer);
    this.buffer = '';
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}
