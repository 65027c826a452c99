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
import { randomBytes } from 'node:crypto';
import { closeSync, fsync, fsyncSync, openSync, readdirSync, readFileSync, renameSync, rmSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { AccountPatch, PlanViolation, QuarantineEntry, TrackedEvent, UserPatch } from '../../model/index.js';
import { batchLineHash, batchLineProblem, EventBatchWriter, NO_WRITE, parseBatchLine, repeatedHashes, type CollectedWrite, type EventBatch } from '../../store/index.js';

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
  /** What the observer (WalOptions.observe) saw of it; null for a generation left by an earlier run. */
  observed: GenerationObserver | null;
}

/** Sees each event and account patch as it is appended to a generation (e.g. to count events for status refreshes). */
export interface GenerationObserver {
  event(e: TrackedEvent): void;
  accountFacts(accountId: string): void;
}

export interface WalOptions {
  dir: string;
  /** Close the open generation when it holds this many events (default 200,000). */
  maxEvents?: number;
  /** ... or when it is this old and not empty, in ms (default 1,000). */
  maxAgeMs?: number;
  /**
   * While this says the store is still busy with earlier generations, an old generation stays
   * open and keeps growing (up to maxEvents): a slow store gets fewer, larger writes, each
   * paying its fixed costs (a scan of the stored ids) once for more events.
   */
  storeBusy?: () => boolean;
  /** Told about log lines that cannot be read back (set aside in quarantine as `wal_corrupt`). */
  log?: (line: string) => void;
  /** Makes the observer of each new generation. */
  observe?: () => GenerationObserver;
}

/** The checkpoint names of logs start with this; each log has its own (see walCheckpointName). */
export const WAL_CHECKPOINT = 'collector_wal';

const ID_FILE = 'log-id';

/**
 * The checkpoint name of the log in `dir`: `collector_wal:<its id>`, the id made once and kept
 * in the folder. Several collectors (`cairn serve` on several machines) may share one store:
 * each log keeps its own place, so one never skips another's generations.
 */
export async function walCheckpointName(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, ID_FILE);
  let id: string;
  try {
    id = readFileSync(file, 'utf8').trim();
  } catch {
    id = randomBytes(8).toString('hex');
    const tmp = `${file}.tmp`;
    const fd = openSync(tmp, 'w');
    writeSync(fd, `${id}\n`);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, file);
  }
  if (!/^[0-9a-f]{16}$/.test(id)) throw new Error(`invalid log id in ${file}: ${JSON.stringify(id)}`);
  return `${WAL_CHECKPOINT}:${id}`;
}

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
    private readonly log: Log,
    readonly observer: GenerationObserver | null,
  ) {
    this.side = openSync(join(dir, `${genPrefix(id)}.side.jsonl`), 'a', 0o600);
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
    return { id: this.id, events: this.events, write: { ...readSide(files[0], this.log), events }, files, accounts: this.accounts, observed: this.observer };
  }
}

/** Where a damaged log line is reported; the server logs it. */
type Log = (line: string) => void;

/**
 * A complete log line that cannot be read back (disk damage, a hand edit): kept in quarantine
 * with its file, line and raw text rather than stopping the server from starting.
 */
function setAside(file: string, line: number, text: string, problem: string, source: string, log: Log): QuarantineEntry {
  log(`${file}:${line}: unreadable, set aside in quarantine as wal_corrupt: ${problem}`);
  return { kind: 'event', source, file: basename(file), line, reason: 'wal_corrupt', field: null, message: `${basename(file)}:${line}: ${problem}`, payload: text, receivedAt: Date.now() };
}

const SIDE_KINDS = { q: 'quarantine', v: 'violations', a: 'accounts', u: 'users' } as const;

/** Reads a side file; a torn last line (a crash mid-write, never acknowledged) is dropped. */
function readSide(path: string, log: Log): Omit<CollectedWrite, 'events'> {
  const write = { quarantine: [] as QuarantineEntry[], violations: [] as PlanViolation[], accounts: [] as AccountPatch[], users: [] as UserPatch[] };
  const text = readFileSync(path, 'utf8');
  const end = text.lastIndexOf('\n');
  if (end < 0) return write;
  text
    .slice(0, end)
    .split('\n')
    .forEach((line, i) => {
      if (!line) return;
      let r: Record<string, unknown>;
      try {
        r = JSON.parse(line) as Record<string, unknown>;
      } catch (err) {
        write.quarantine.push(setAside(path, i + 1, line, (err as Error).message, 'collector', log));
        return;
      }
      const kind = typeof r === 'object' && r !== null && typeof r.t === 'string' && Object.hasOwn(SIDE_KINDS, r.t) ? (r.t as SideRecord['t']) : null;
      if (kind === null || typeof r[kind] !== 'object' || r[kind] === null) {
        write.quarantine.push(setAside(path, i + 1, line, 'not a log record', 'collector', log));
        return;
      }
      (write[SIDE_KINDS[kind]] as unknown[]).push(r[kind]);
    });
  return write;
}

/**
 * A batch file left by a crash: cut any torn last line, set damaged lines aside (the file is
 * rewritten without them), and find its rows and repeated id hashes.
 */
function recoverBatchFile(path: string, source: string, log: Log): { batch: EventBatch; corrupt: QuarantineEntry[] } {
  const bytes = readFileSync(path);
  const end = bytes.lastIndexOf(0x0a) + 1;
  if (end < bytes.length) truncateSync(path, end);
  const lines = end === 0 ? [] : bytes.toString('utf8', 0, end - 1).split('\n');
  const corrupt: QuarantineEntry[] = [];
  const good = lines.filter((line, i) => {
    const problem = batchLineProblem(line);
    if (problem !== null) corrupt.push(setAside(path, i + 1, line, problem, source, log));
    return problem === null;
  });
  if (corrupt.length > 0) {
    const tmp = `${path}.tmp`;
    writeFileSync(tmp, good.map((l) => l + '\n').join(''), { mode: 0o600 });
    renameSync(tmp, path);
  }
  return { batch: { files: [path], rows: good.length, repeatedHashes: repeatedHashes(Int32Array.from(good, batchLineHash)) }, corrupt };
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
  private readonly storeBusy: () => boolean;
  private readonly log: Log;
  private readonly observe: () => GenerationObserver | null;
  private timer: NodeJS.Timeout;
  private closed = false;

  private constructor(
    readonly dir: string,
    nextId: number,
    private readonly onClosed: (g: ClosedGeneration) => void,
    opts: WalOptions,
  ) {
    this.log = opts.log ?? (() => undefined);
    this.maxEvents = opts.maxEvents ?? 200_000;
    this.maxAgeMs = opts.maxAgeMs ?? 1000;
    this.storeBusy = opts.storeBusy ?? (() => false);
    this.observe = opts.observe ?? (() => null);
    this.current = new Generation(dir, nextId, this.log, this.observe());
    // Quiet periods still get their events stored within about maxAgeMs.
    this.timer = setInterval(() => this.closeIfDue(), Math.max(50, this.maxAgeMs / 4));
    this.timer.unref();
  }

  /** Closes the open generation now if it is due (the store has just caught up, say). */
  closeIfDue(): void {
    if (!this.syncing && !this.closed && this.closeDue()) void this.run().catch(() => undefined);
  }

  /**
   * Opens the log in `dir`. Generations above `applied` left by an earlier run are returned
   * (oldest first) to be stored again; the rest are deleted. `onClosed` receives every
   * generation this log closes from now on.
   */
  static async open(opts: WalOptions, applied: number | null, onClosed: (g: ClosedGeneration) => void): Promise<{ wal: WriteAheadLog; leftOver: ClosedGeneration[] }> {
    const log = opts.log ?? (() => undefined);
    // Owner-only: the log holds what clients sent.
    await mkdir(opts.dir, { recursive: true, mode: 0o700 });
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
      const sideWrite = side ? readSide(side, log) : NO_WRITE;
      const events: CollectedWrite['events'][number][] = [];
      const corrupt: QuarantineEntry[] = [];
      let rows = 0;
      for (const name of byGen.get(id)!) {
        const m = GEN.exec(name)!;
        if (!m[3]) continue;
        const { batch, corrupt: bad } = recoverBatchFile(join(opts.dir, name), m[3], log);
        corrupt.push(...bad);
        rows += batch.rows;
        if (batch.rows > 0) events.push({ source: m[3], batch });
      }
      leftOver.push({ id, events: rows, write: { ...sideWrite, quarantine: [...sideWrite.quarantine, ...corrupt], events }, files, accounts: null, observed: null });
    }
    return { wal: new WriteAheadLog(opts.dir, last + 1, onClosed, opts), leftOver };
  }

  /** Whether the open generation is full, or old and not empty while the store is free for it. */
  private closeDue(): boolean {
    const g = this.current;
    return g.events >= this.maxEvents || (Date.now() - g.opened >= this.maxAgeMs && (g.events > 0 || g.sideBuffer.length > 0) && !this.storeBusy());
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
      g.observer?.event(event);
    }
    g.events += events.length;
    for (const r of side) {
      g.sideBuffer += JSON.stringify(r) + '\n';
      if (r.t === 'a') {
        g.accounts.add(r.a.accountId);
        g.observer?.accountFacts(r.a.accountId);
      }
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
        if (!this.closed) this.current = new Generation(this.dir, g.id + 1, this.log, this.observe());
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
