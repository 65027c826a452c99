/**
 * The collector's write-ahead log: what a 2xx promised is on disk before the reply, and reaches
 * the store exactly once.
 *
 * Records go into the open *generation*: one batch file per source (the store's own bulk-load
 * format, so applying a generation is a native bulk load) and one side file of JSON lines
 * (quarantine entries, plan violations, account and user patches). `commit()` is a group commit:
 * every request waiting is released by one fsync of the files written since the last one.
 * Full or old generations are closed and handed to the applier, which stores each in one
 * transaction together with a checkpoint (the generation's number), then deletes its files.
 * On start, generations at or below the checkpoint are deleted and the rest applied again;
 * the store's message-id check makes a repeat harmless for events, and the checkpoint does the
 * same for everything else.
 */
import { closeSync, fsync, openSync, readdirSync, readFileSync, rmSync, truncateSync, writeSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { AccountPatch, PlanViolation, QuarantineEntry, TrackedEvent, UserPatch } from '../../model/index.js';
import { batchLineHash, EventBatchWriter, NO_WRITE, parseBatchLine, repeatedHashes, type CollectedWrite, type EventBatch } from '../../store/index.js';

/** Everything except events, written as one JSON line each. */
export type SideRecord =
  | { t: 'q'; q: QuarantineEntry }
  | { t: 'v'; v: PlanViolation }
  | { t: 'a'; a: AccountPatch }
  | { t: 'u'; u: UserPatch };

/** A closed generation, ready to store. */
export interface ClosedGeneration {
  id: number;
  events: number;
  write: CollectedWrite;
  /** Its files, deleted once stored. */
  files: string[];
  /** Accounts its events and account patches name; null for a generation left by an earlier run (not known). */
  accounts: ReadonlySet<string> | null;
}

export interface WalOptions {
  dir: string;
  /** Close the open generation when it holds this many events (default 200,000). */
  maxEvents?: number;
  /** ... or when it is this old and not empty, in ms (default 1,000). */
  maxAgeMs?: number;
}

/** The checkpoint name under which the last stored generation is kept. */
export const WAL_CHECKPOINT = 'collector_wal';

const GEN = /^gen-(\d{12})\.(side\.jsonl|src-([a-z0-9][a-z0-9_-]{0,63})\.tsv)$/;
const genPrefix = (id: number) => `gen-${String(id).padStart(12, '0')}`;

class Generation {
  readonly writers = new Map<string, EventBatchWriter>();
  readonly side: number;
  sideBuffer = '';
  events = 0;
  readonly accounts = new Set<string>();
  readonly opened = Date.now();

  constructor(
    readonly dir: string,
    readonly id: number,
  ) {
    this.side = openSync(join(dir, `${genPrefix(id)}.side.jsonl`), 'a');
  }

  writer(source: string): EventBatchWriter {
    let w = this.writers.get(source);
    if (!w) {
      w = new EventBatchWriter(join(this.dir, `${genPrefix(this.id)}.src-${source}.tsv`));
      this.writers.set(source, w);
    }
    return w;
  }

  /** Writes buffered text to the files (not yet durable); returns the descriptors to fsync. */
  flush(): number[] {
    for (const w of this.writers.values()) w.flush();
    if (this.sideBuffer) writeSync(this.side, this.sideBuffer);
    this.sideBuffer = '';
    return [this.side, ...[...this.writers.values()].map((w) => w.fd)];
  }

  close(): ClosedGeneration {
    const events: CollectedWrite['events'][number][] = [];
    const files: string[] = [join(this.dir, `${genPrefix(this.id)}.side.jsonl`)];
    for (const [source, w] of this.writers) {
      w.close();
      events.push({ source, batch: { files: [w.path], rows: w.rows, repeatedHashes: repeatedHashes(w.hashes()) } });
      files.push(w.path);
    }
    closeSync(this.side);
    return { id: this.id, events: this.events, write: { ...readSide(files[0]), events }, files, accounts: this.accounts };
  }
}

/** Reads a side file; a torn last line (a crash mid-write, never acknowledged) is dropped. */
function readSide(path: string): Omit<CollectedWrite, 'events'> {
  const write = { quarantine: [] as QuarantineEntry[], violations: [] as PlanViolation[], accounts: [] as AccountPatch[], users: [] as UserPatch[] };
  const text = readFileSync(path, 'utf8');
  const end = text.lastIndexOf('\n');
  if (end < 0) return write;
  for (const line of text.slice(0, end).split('\n')) {
    if (!line) continue;
    const r = JSON.parse(line) as SideRecord;
    if (r.t === 'q') write.quarantine.push(r.q);
    else if (r.t === 'v') write.violations.push(r.v);
    else if (r.t === 'a') write.accounts.push(r.a);
    else write.users.push(r.u);
  }
  return write;
}

/** A batch file left by a crash: cut any torn last line, and find its rows and repeated id hashes. */
function recoverBatchFile(path: string): EventBatch {
  const bytes = readFileSync(path);
  const end = bytes.lastIndexOf(0x0a) + 1;
  if (end < bytes.length) truncateSync(path, end);
  const lines = end === 0 ? [] : bytes.toString('utf8', 0, end - 1).split('\n');
  return { files: [path], rows: lines.length, repeatedHashes: repeatedHashes(Int32Array.from(lines, batchLineHash)) };
}

/** The events of batch files, read back (salvage of a generation the store refused). */
export function* readBatchFiles(files: readonly string[]): Generator<TrackedEvent> {
  for (const file of files) {
    for (const line of readFileSync(file, 'utf8').split('\n')) if (line) yield parseBatchLine(line);
  }
}

export class WriteAheadLog {
  private current: Generation;
  private waiters: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  private syncing = false;
  private readonly maxEvents: number;
  private readonly maxAgeMs: number;
  private timer: NodeJS.Timeout;
  private closed = false;

  private constructor(
    readonly dir: string,
    nextId: number,
    private readonly onClosed: (g: ClosedGeneration) => void,
    opts: WalOptions,
  ) {
    this.maxEvents = opts.maxEvents ?? 200_000;
    this.maxAgeMs = opts.maxAgeMs ?? 1000;
    this.current = new Generation(dir, nextId);
    // Quiet periods still get their events stored within about maxAgeMs.
    this.timer = setInterval(() => {
      if (!this.syncing && this.closeDue()) void this.run().catch(() => undefined);
    }, Math.max(50, this.maxAgeMs / 4));
    this.timer.unref();
  }

  /**
   * Opens the log in `dir`. Generations above `applied` left by an earlier run are returned
   * (oldest first) to be stored again; the rest are deleted. `onClosed` receives every
   * generation this log closes from now on.
   */
  static async open(opts: WalOptions, applied: number | null, onClosed: (g: ClosedGeneration) => void): Promise<{ wal: WriteAheadLog; leftOver: ClosedGeneration[] }> {
    await mkdir(opts.dir, { recursive: true });
    const byGen = new Map<number, string[]>();
    for (const name of readdirSync(opts.dir)) {
      const m = GEN.exec(name);
      if (!m) continue;
      const id = Number(m[1]);
      if (!byGen.has(id)) byGen.set(id, []);
      byGen.get(id)!.push(name);
    }
    const leftOver: ClosedGeneration[] = [];
    let last = applied ?? 0;
    for (const id of [...byGen.keys()].sort((a, b) => a - b)) {
      last = Math.max(last, id);
      const files = byGen.get(id)!.map((n) => join(opts.dir, n));
      if (applied !== null && id <= applied) {
        for (const f of files) rmSync(f, { force: true });
        continue;
      }
      const side = files.find((f) => f.endsWith('.side.jsonl'));
      const events: CollectedWrite['events'][number][] = [];
      let rows = 0;
      for (const name of byGen.get(id)!) {
        const m = GEN.exec(name)!;
        if (!m[3]) continue;
        const batch = recoverBatchFile(join(opts.dir, name));
        rows += batch.rows;
        if (batch.rows > 0) events.push({ source: m[3], batch });
      }
      const sideWrite = side ? readSide(side) : NO_WRITE;
      leftOver.push({ id, events: rows, write: { ...sideWrite, events }, files, accounts: null });
    }
    return { wal: new WriteAheadLog(opts.dir, last + 1, onClosed, opts), leftOver };
  }

  /** Whether the open generation is full, or old and not empty. */
  private closeDue(): boolean {
    const g = this.current;
    return g.events >= this.maxEvents || (Date.now() - g.opened >= this.maxAgeMs && (g.events > 0 || g.sideBuffer.length > 0));
  }

  /** Events written to the open generation, not yet handed on. */
  get openEvents(): number {
    return this.current.events;
  }

  /** Adds a request's records to the open generation (in memory until the next commit). */
  append(events: readonly { source: string; event: TrackedEvent }[], side: readonly SideRecord[]): void {
    if (this.closed) throw new Error('the log is closed');
    const g = this.current;
    for (const { source, event } of events) {
      const w = g.writer(source);
      w.write(0, w.rows, event);
      g.accounts.add(event.accountId);
    }
    g.events += events.length;
    for (const r of side) {
      g.sideBuffer += JSON.stringify(r) + '\n';
      if (r.t === 'a') g.accounts.add(r.a.accountId);
    }
  }

  /** Resolves once everything appended before the call is on disk (fsynced). */
  commit(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      // Requests arriving in the same turn of the event loop share one fsync.
      if (!this.syncing) setImmediate(() => void this.run().catch(() => undefined));
    });
  }

  private async run(): Promise<void> {
    if (this.syncing) return;
    this.syncing = true;
    const waiters = this.waiters;
    this.waiters = [];
    let closing: Generation | null = null;
    try {
      const g = this.current;
      if (this.closed || this.closeDue()) {
        closing = g;
        if (!this.closed) this.current = new Generation(this.dir, g.id + 1);
      }
      const fds = g.flush();
      await Promise.all(fds.map((fd) => new Promise<void>((res, rej) => fsync(fd, (err) => (err ? rej(err) : res())))));
      for (const w of waiters) w.resolve();
    } catch (err) {
      for (const w of waiters) w.reject(err);
    } finally {
      this.syncing = false;
    }
    if (closing) this.onClosed(closing.close());
    if (this.waiters.length > 0) setImmediate(() => void this.run().catch(() => undefined));
  }

  /** Commits and closes the open generation (handed to onClosed); nothing can be appended after. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    while (this.syncing) await new Promise((r) => setTimeout(r, 5));
    this.closed = true;
    await this.run();
  }
}
