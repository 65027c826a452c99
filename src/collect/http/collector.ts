/**
 * The collector's core, without HTTP: checks each message of a request (protocol mapping, the
 * tracking plan), writes what is storable to the write-ahead log, and acknowledges once it is
 * durable; a background applier moves closed log generations into the store, one transaction
 * each. Routes (routes.ts) only decode bodies and authenticate.
 */
import { rmSync } from 'node:fs';
import type { TrackingPlan } from '../../config/index.js';
import { nativeOf, withoutCredentials, type AccountFactsAuthority, type QuarantineEntry, type TrackedEvent } from '../../model/index.js';
import { NO_WRITE, sql, type CollectedWrite, type Store } from '../../store/index.js';
import { compilePlan, type PlanCheck } from './plan-check.js';
import { admit, type AdmitContext } from './admit.js';
import { QUARANTINE_KIND, type Protocol } from './protocols.js';
import { readBatchFiles, walCheckpointName, WriteAheadLog, type ClosedGeneration, type GenerationObserver, type SideRecord } from './wal.js';

export interface CollectorOptions {
  store: Store;
  plan: TrackingPlan;
  /** The log's folder. */
  walDir: string;
  /** Refuse new requests (429) while this many events wait to be stored (default 2,000,000). */
  maxQueuedEvents?: number;
  /** Close a log generation at this many events (default 200,000) or this age (default 1 s; later while the store is busy). */
  generationEvents?: number;
  generationMs?: number;
  posthogGroupType?: string;
  /** Who decides account facts the accounts file named (`collect.account_facts`); default `import`. */
  accountFacts?: AccountFactsAuthority;
  /** Reports a failed store write (it is retried); the server logs it. */
  onApplyError?: (err: unknown) => void;
  /**
   * Called after each generation is stored, with the accounts its events and account facts
   * named (null when not known: a generation left by an earlier run), e.g. to refresh their
   * milestone statuses; and its observer (`observe`), when it saw every record stored: null
   * for a generation left by an earlier run, stored piece by piece, or one with events the
   * store already had (their repeats were not stored, but were seen).
   */
  onApplied?: (applied: { accounts: ReadonlySet<string> | null; events: number; observed: GenerationObserver | null }) => void;
  /** Makes an observer for each log generation: it sees the generation's events and account patches as they are logged. */
  observe?: () => GenerationObserver;
  /** Messages for a person, such as log lines set aside as unreadable. */
  log?: (line: string) => void;
}

/** What the collector did with one request's messages. */
export interface IngestResult {
  accepted: number;
  /** Stored and counted as a plan violation. */
  flagged: number;
  quarantined: number;
  /** Nothing to store (Segment alias). */
  skipped: number;
}

/** One message that failed before it could be mapped (too big, too deep), with its reason. */
export interface PreRejected {
  index: number;
  reason: string;
  message: string;
  /** What to keep when the message itself is not JSON (an unreadable line). */
  payload?: string;
}

export interface CollectorHealth {
  /** Events acknowledged but not yet in the store. */
  queued_events: number;
  queued_generations: number;
  applied_generations: number;
  last_applied_at: string | null;
  /** The last store error, while writes keep failing. */
  apply_error: string | null;
  received_events: number;
  received_requests: number;
}

export class Collector {
  private wal!: WriteAheadLog;
  private check: PlanCheck;
  private currentPlan: TrackingPlan;
  private readonly accounts = new Map<string, string>();
  private readonly queue: ClosedGeneration[] = [];
  private queuedEvents = 0;
  private applying: Promise<void> | null = null;
  /** A store write under way, and a hold on the next ones (holdWrites). */
  private writing: Promise<unknown> | null = null;
  private hold: { released: Promise<void> } | null = null;
  private applyError: string | null = null;
  private appliedGenerations = 0;
  private lastAppliedAt: number | null = null;
  private receivedEvents = 0;
  private receivedRequests = 0;
  private readonly maxQueued: number;

  private constructor(
    private readonly opts: CollectorOptions,
    /** This log's checkpoint in the store (walCheckpointName). */
    private readonly checkpointName: string,
  ) {
    this.check = compilePlan(opts.plan);
    this.currentPlan = opts.plan;
    this.maxQueued = opts.maxQueuedEvents ?? 2_000_000;
  }

  /** Opens the log, queues what an earlier run left unstored, and loads who belongs where. */
  static async open(opts: CollectorOptions): Promise<Collector> {
    const c = new Collector(opts, await walCheckpointName(opts.walDir));
    const users = await opts.store.query<{ user_id: string; account_id: string }>(sql`SELECT user_id, account_id FROM users WHERE account_id <> ''`);
    for (const u of users) c.accounts.set(u.user_id, u.account_id);
    const applied = await opts.store.checkpoint(c.checkpointName);
    const { wal, leftOver } = await WriteAheadLog.open(
      { dir: opts.walDir, maxEvents: opts.generationEvents, maxAgeMs: opts.generationMs, log: opts.log, storeBusy: () => c.queue.length > 0, observe: opts.observe },
      applied,
      (g) => c.enqueue(g),
    );
    c.wal = wal;
    for (const g of leftOver) c.enqueue(g);
    return c;
  }

  /** A new plan (the file changed); applies to messages received from now on. */
  setPlan(plan: TrackingPlan): void {
    this.check = compilePlan(plan);
    this.currentPlan = plan;
  }

  /** The tracking plan messages are checked against now. */
  get plan(): TrackingPlan {
    return this.currentPlan;
  }

  /** True while the store is so far behind that new requests should wait (429). */
  get overloaded(): boolean {
    return this.queuedEvents + this.wal.openEvents >= this.maxQueued;
  }

  /**
   * Checks and logs one request's messages; resolves when they are durable. Messages that
   * fail a check are quarantined (durably too) with their reason; nothing is dropped.
   */
  async ingest(source: string, protocol: Protocol, messages: readonly unknown[], receivedAt: number, preRejected: readonly PreRejected[] = []): Promise<IngestResult> {
    const result: IngestResult = { accepted: 0, flagged: 0, quarantined: 0, skipped: 0 };
    const events: { source: string; event: TrackedEvent }[] = [];
    const side: SideRecord[] = [];
    const kind = QUARANTINE_KIND[protocol];
    // Kept without the credentials clients put in bodies (write keys, tokens).
    const json = (raw: unknown) => JSON.stringify(withoutCredentials(raw)) ?? 'null';
    const quarantine = (raw: unknown, reason: string, field: string | null, message: string, payload = json(raw)) => {
      const q: QuarantineEntry = { kind, source, file: null, line: null, reason, field, message, payload, receivedAt };
      side.push({ t: 'q', q });
      result.quarantined++;
    };
    const rejectedAt = new Map(preRejected.map((r) => [r.index, r]));
    const ctx: AdmitContext = { now: receivedAt, check: this.check, accounts: this.accounts, posthogGroupType: this.opts.posthogGroupType };
    messages.forEach((raw, index) => {
      const pre = rejectedAt.get(index);
      if (pre) return quarantine(raw, pre.reason, null, pre.message, pre.payload);
      const out = admit(protocol, raw, source, ctx, () => json(raw));
      if (!out.pass) return quarantine(raw, out.reason, out.field, out.message);
      if (out.event) events.push({ source, event: out.event });
      if (out.violation) {
        side.push({ t: 'v', v: out.violation });
        result.flagged++;
      }
      if (out.account) side.push({ t: 'a', a: out.account });
      if (out.user) side.push({ t: 'u', u: out.user });
      if (out.event || out.account || out.user) result.accepted++;
      else result.skipped++;
    });
    this.receivedRequests++;
    this.receivedEvents += messages.length;
    if (events.length + side.length > 0) {
      this.wal.append(events, side);
      await this.wal.commit();
    }
    return result;
  }

  /** Quarantines a request body that could not be read at all (bad JSON), so it is not lost. */
  async quarantineBody(source: string, protocol: Protocol, body: string, reason: string, message: string, receivedAt: number): Promise<void> {
    const q: QuarantineEntry = { kind: QUARANTINE_KIND[protocol], source, file: null, line: null, reason, field: null, message, payload: body, receivedAt };
    this.wal.append([], [{ t: 'q', q }]);
    await this.wal.commit();
  }

  health(): CollectorHealth {
    return {
      queued_events: this.queuedEvents + this.wal.openEvents,
      queued_generations: this.queue.length,
      applied_generations: this.appliedGenerations,
      last_applied_at: this.lastAppliedAt === null ? null : new Date(this.lastAppliedAt).toISOString(),
      apply_error: this.applyError,
      received_events: this.receivedEvents,
      received_requests: this.receivedRequests,
    };
  }

  private enqueue(g: ClosedGeneration): void {
    this.queue.push(g);
    this.queuedEvents += g.events;
    this.applying ??= this.applyAll().finally(() => (this.applying = null));
  }

  /**
   * Stores queued generations in order. A failed write is retried with backoff; after a few
   * failures the generation is stored piece by piece (salvage), so one record the store refuses
   * cannot hold up everything behind it.
   */
  private async applyAll(): Promise<void> {
    let delay = 100;
    let failures = 0;
    while (this.queue.length > 0) {
      while (this.hold) await this.hold.released;
      const g = this.queue[0];
      // Stored whole: in one write that found none of its events stored already.
      let whole = false;
      try {
        const write = { ...g.write, accountFacts: this.opts.accountFacts };
        const storing =
          failures < SALVAGE_AFTER
            ? this.opts.store.applyCollected({ ...write, checkpoint: { name: this.checkpointName, value: g.id } })
            : salvage(this.opts.store, { ...g, write }, this.checkpointName).then(() => null);
        this.writing = storing;
        const result = await storing;
        whole = result !== null && result.duplicates === 0;
      } catch (err) {
        this.writing = null;
        this.applyError = err instanceof Error ? err.message : String(err);
        this.opts.onApplyError?.(err);
        failures++;
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 5000);
        continue;
      }
      delay = 100;
      failures = 0;
      this.applyError = null;
      this.queue.shift();
      this.queuedEvents -= g.events;
      this.appliedGenerations++;
      this.lastAppliedAt = Date.now();
      for (const f of g.files) rmSync(f, { force: true });
      this.writing = null;
      this.opts.onApplied?.({ accounts: g.accounts, events: g.events, observed: whole ? g.observed : null });
    }
    // What gathered in the open generation meanwhile goes now, not at the next tick.
    this.wal.closeIfDue();
  }

  /**
   * Holds back the store writes of generations: resolves once the write under way (if any) is
   * stored and told (onApplied), to a release that lets them go on. Requests are still taken
   * and logged meanwhile. For a reader that needs the data and the writes told to agree.
   */
  async holdWrites(): Promise<() => void> {
    while (this.hold) await this.hold.released;
    let release!: () => void;
    const mine = { released: new Promise<void>((r) => (release = r)) };
    this.hold = mine;
    while (this.writing) await this.writing.catch(() => undefined);
    return () => {
      if (this.hold !== mine) return;
      this.hold = null;
      release();
    };
  }

  /** Stops taking messages and waits until everything acknowledged is in the store. */
  async close(): Promise<void> {
    await this.wal.close();
    while (this.applying) await this.applying;
  }
}

/** Failed attempts at a whole generation before it is stored piece by piece. */
const SALVAGE_AFTER = 3;

/**
 * Stores a generation the store refused as a whole: each source's events, then each record, on
 * its own; a piece refused again is quarantined (reason `store_rejected`, with the store's
 * words) — events one by one, so only the bad ones. If even that fails (disk full, store gone)
 * it throws and the generation is retried later. Not one transaction: a crash midway repeats
 * pieces, which message ids make harmless for events.
 */
async function salvage(store: Store, g: ClosedGeneration, checkpointName: string): Promise<void> {
  const refused = (kind: QuarantineEntry['kind'], source: string, payload: unknown, err: unknown): QuarantineEntry => ({
    kind, source, file: null, line: null, reason: 'store_rejected', field: null,
    message: `the store refused it: ${err instanceof Error ? err.message : String(err)}`,
    payload: JSON.stringify(payload), receivedAt: Date.now(),
  });
  const attempt = async (write: CollectedWrite, onRefused: (err: unknown) => Promise<unknown>) => {
    try {
      await store.applyCollected(write);
    } catch (err) {
      await onRefused(err);
    }
  };
  for (const part of g.write.events) {
    await attempt({ ...NO_WRITE, events: [part] }, async () => {
      for (const event of 'batch' in part ? readBatchFiles(part.batch.files) : part.events) {
        await attempt({ ...NO_WRITE, events: [{ source: part.source, events: [event] }] }, (err) =>
          store.applyCollected({ ...NO_WRITE, quarantine: [refused('event', part.source, nativeOf(event), err)] }),
        );
      }
    });
  }
  type Piece = [CollectedWrite, QuarantineEntry['kind'], string, unknown];
  const pieces: Piece[] = [
    ...g.write.quarantine.map((q): Piece => [{ ...NO_WRITE, quarantine: [q] }, q.kind, q.source, q]),
    ...g.write.violations.map((v): Piece => [{ ...NO_WRITE, violations: [v] }, 'event', v.source, v]),
    ...g.write.accounts.map((a): Piece => [{ ...NO_WRITE, accounts: [a], accountFacts: g.write.accountFacts }, a.origin.kind, a.source, JSON.parse(a.origin.payload)]),
    ...g.write.users.map((u): Piece => [{ ...NO_WRITE, users: [u] }, 'segment', u.source, { type: 'identify', userId: u.userId, traits: u.traits }]),
  ];
  for (const [write, kind, source, payload] of pieces) {
    await attempt(write, (err) => store.applyCollected({ ...NO_WRITE, quarantine: [refused(kind, source, payload, err)] }));
  }
  await store.applyCollected({ ...NO_WRITE, checkpoint: { name: checkpointName, value: g.id } });
}
