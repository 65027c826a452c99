import type { MilestonesConfig } from '../config/index.js';
import type { Store } from '../store/index.js';
import { frameworkHash } from './framework-version.js';
import { frameworkMatchers } from './engine.js';
import { EventTally } from './event-tally.js';
import { refreshStatuses, statusState, today, type RefreshSummary, type StatusBasis } from './refresh-statuses.js';
import { refreshSegments, type SegmentRefreshSummary } from './segment-changes.js';
import { segmentReads } from './segment-reads.js';
import type { Day } from './types.js';

export interface StatusRefresherOptions {
  store: Store;
  framework: MilestonesConfig;
  /** milestones.yaml as text, kept with a new framework version. */
  fileText?: string;
  /** The day statuses are as of, when the server judges a fixed day (the demo's); default today (UTC). */
  asOf?: Day;
  /** Least time between two refreshes, in ms (default 2,000). */
  minIntervalMs?: number;
  /**
   * The largest share of the time spent refreshing, however fast data arrives (default 0.2):
   * after a refresh of D the next waits at least D × (1 − share) / share, so the statuses lag
   * the data by up to about D × (1 + 1 / share): data that arrives during one refresh waits
   * for it, the wait and the next.
   */
  maxShare?: number;
  /** How often to look whether the day rolled over (a full refresh), in ms (default 60,000). */
  dayCheckMs?: number;
  /** After each refresh, with the segment refresh that followed it (null when the framework has no segments). */
  onRefreshed?: (summary: RefreshSummary, segments: SegmentRefreshSummary | null) => void;
  onError?: (err: unknown) => void;
  /**
   * Holds back the collector's store writes (Collector.holdWrites). With it, writes told with
   * their counted events (`applied`) advance the statuses without reading history: the hold
   * keeps a refresh's reading of the data apart from the writes it counts.
   */
  holdWrites?: () => Promise<() => void>;
}

/** A refresh as the refresher reports it: its summary, and the segment judgement after it (accounts judged, seconds). */
export type RefreshRecord = Omit<RefreshSummary, 'basis' | 'changed'> & { judged: { accounts: number; seconds: number } | null };

/**
 * Keeps the materialized statuses following the data as it arrives: `touch` the accounts a
 * write named; a refresh of all those touched since the last one runs at most once per
 * interval, one at a time, and waits long enough after each that refreshing takes at most
 * `maxShare` of the time: at any ingest rate the refresher costs a bounded share of the
 * machine, and the statuses lag the data by about the interval, or up to a refresh's duration
 * × (1 + 1 / `maxShare`) when refreshes are long (every account touched). A new day or framework makes
 * the next refresh a full one.
 *
 * Following a collector (`holdWrites`, `observer`, `applied`), each write comes with its events
 * counted by the framework's matchers, and the refresher keeps the statuses it last wrote with
 * the values they came from (a basis): a refresh advances every counted account by its counts
 * (StatusAdvancer), so its cost follows what arrived, not the accounts' history; only accounts
 * the counts cannot settle (late events, new facts, per-seat use over trailing days) are
 * computed from the data. A refresh that reads no data keeps the writes held until its
 * segment judgement is done, so its store work waits behind none of theirs.
 */
export class StatusRefresher {
  private pending = new Set<string>();
  private all = false;
  /** Events counted in writes not yet refreshed, by the current framework's matchers. */
  private matchers: ReturnType<typeof frameworkMatchers>;
  private tally: EventTally;
  private basis: StatusBasis | null = null;
  /** Accounts seen active on the statuses' day, and those first seen since the last refresh (segments judge their inactivity anew). */
  private active = { day: '', seen: new Set<string>() };
  private newlyActive = new Set<string>();
  /** Whether a segment reads days_since_last_event (else activity alone moves no account in or out). */
  private readsInactivity: boolean;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private lastEnd = 0;
  /** The last refresh's length, of each kind. */
  private lastMs = { counted: 0, data: 0 };
  private closed = false;
  private readonly dayTimer: NodeJS.Timeout;
  private framework: MilestonesConfig;
  private fileText: string | undefined;
  /** Refreshes done, and the last one's summary (for health, the scheduler's record and tests). */
  refreshes = 0;
  last: RefreshRecord | null = null;
  /** When the oldest touch and the oldest counted write not yet refreshed arrived (ms), and how far behind the data each refresh finished. */
  private firstTouch: number | null = null;
  private firstCount: number | null = null;
  private lagMs = { last: 0, max: 0 };
  private busyMs = 0;
  private readonly since = Date.now();

  constructor(private readonly opts: StatusRefresherOptions) {
    this.framework = opts.framework;
    this.fileText = opts.fileText;
    this.matchers = frameworkMatchers(opts.framework);
    this.tally = new EventTally(this.matchers);
    this.readsInactivity = segmentReads(opts.framework).inactivity;
    this.dayTimer = setInterval(() => void this.refreshIfBehind(), opts.dayCheckMs ?? 60_000);
    this.dayTimer.unref();
  }

  /** Accounts whose data changed; null when not known (every account is refreshed). */
  touch(accounts: Iterable<string> | null): void {
    if (this.closed) return;
    this.firstTouch ??= Date.now();
    if (accounts === null) this.all = true;
    else for (const a of accounts) this.pending.add(a);
    this.schedule();
  }

  /** Counts a new generation's events (the collector's `observe`); told back with `applied` once stored. */
  observer(): EventTally {
    return new EventTally(this.matchers);
  }

  /**
   * A write is stored: the accounts it named and, when it was stored whole, its counted events
   * (`observer`). Counted events of the current framework's matchers are advanced by; the rest
   * is refreshed from the data.
   */
  applied(accounts: ReadonlySet<string> | null, observed: unknown): void {
    if (this.closed) return;
    if (!(observed instanceof EventTally) || observed.matchers !== this.matchers || !this.opts.holdWrites || accounts === null) return this.touch(accounts);
    const day = this.asOf();
    if (this.active.day !== day) this.active = { day, seen: new Set() };
    if (this.readsInactivity) {
      for (const a of accounts) {
        if (this.active.seen.has(a)) continue;
        this.active.seen.add(a);
        this.newlyActive.add(a);
      }
    }
    this.firstCount ??= Date.now();
    this.tally.add(observed);
    this.schedule();
  }

  /** A new milestones.yaml: the next refresh judges every account by it. */
  setFramework(framework: MilestonesConfig, fileText?: string): void {
    this.framework = framework;
    this.fileText = fileText;
    this.matchers = frameworkMatchers(framework);
    this.tally = new EventTally(this.matchers);
    this.readsInactivity = segmentReads(framework).inactivity;
    this.basis = null;
    this.touch(null);
  }

  /** Runs what is pending now and waits for it. */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    while (this.running) await this.running;
    if (this.hasPending()) await this.run();
  }

  private hasPending(): boolean {
    return this.all || this.pending.size > 0 || this.tally.accounts.size > 0 || this.tally.unsure.size > 0 || this.newlyActive.size > 0;
  }

  /** Stops taking touches after refreshing what is pending. */
  async close(): Promise<void> {
    clearInterval(this.dayTimer);
    await this.flush();
    this.closed = true;
  }

  private schedule(): void {
    if (this.timer || this.running) return;
    const share = this.maxShare();
    // Waits after the kind of refresh that comes next: a full one (a new day) is rare, and its length says little about counted ones.
    const gap = Math.max(this.opts.minIntervalMs ?? 2000, (this.lastMs[this.nextMode()] * (1 - share)) / share);
    const wait = Math.max(0, this.lastEnd + gap - Date.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.run();
    }, wait);
    this.timer.unref();
  }

  /** Whether the next refresh can advance by counted events, or reads every account's data. */
  private nextMode(): 'counted' | 'data' {
    return this.opts.holdWrites && this.basis && !this.all ? 'counted' : 'data';
  }

  private run(): Promise<void> {
    const started = Date.now();
    const framework = this.framework;
    const mode = this.nextMode();
    const accounts = this.all ? undefined : [...this.pending];
    const newlyActive = this.newlyActive;
    let touched = this.firstTouch ?? started;
    this.pending = new Set();
    this.all = false;
    this.newlyActive = new Set();
    this.firstTouch = null;
    let taken: EventTally | null = null;
    let release = () => undefined as void;
    // Waiting for the lease and for the store write under way uses no machine: the share counts from then.
    let working = started;
    let judging = started;
    const hold = this.opts.holdWrites;
    // Counted events are taken under the refresh's lease, with the collector's writes held (see RefreshOptions.counted).
    const counted = hold && {
      basis: this.basis,
      take: async () => {
        release = await hold();
        working = Date.now();
        taken = this.tally;
        touched = Math.min(touched, this.firstCount ?? touched);
        this.tally = new EventTally(this.matchers);
        this.firstCount = null;
        return { tally: taken, release };
      },
    };
    this.running = refreshStatuses(this.opts.store, framework, { accounts, asOf: this.asOf(), fileText: this.fileText, ...(counted ? { counted } : {}) })
      .then(async (summary) => {
        this.basis = summary.basis ?? null;
        // Segments follow the statuses, for the accounts the refresh covered or first saw active today.
        // Writes still held (a refresh that read no data) stay held through the judgement: its reads wait behind none of them.
        const judged = summary.kind === 'incremental' && summary.changed ? [...summary.changed, ...newlyActive] : undefined;
        judging = Date.now();
        const segments = Object.keys(framework.segments).length && judged?.length !== 0 ? await refreshSegments(this.opts.store, framework, { accounts: judged }) : null;
        return { summary, segments };
      })
      .then(
        ({ summary, segments }) => {
          this.refreshes++;
          const { basis: _basis, changed: _changed, ...rest } = summary;
          this.last = { ...rest, judged: segments ? { accounts: segments.accounts, seconds: (Date.now() - judging) / 1000 } : null };
          // Data touched at `touched` is in the statuses from now on.
          this.lagMs.last = Date.now() - touched;
          this.lagMs.max = Math.max(this.lagMs.max, this.lagMs.last);
          this.opts.onRefreshed?.(summary, segments);
        },
        (err) => {
          // Keep what was asked for, counted accounts as accounts to read (what was written is not known); tried again with the next touch or day check.
          this.basis = null;
          const counts = taken as EventTally | null;
          for (const a of newlyActive) this.newlyActive.add(a);
          if (accounts === undefined) this.all = true;
          else for (const a of [...accounts, ...(counts?.accounts.keys() ?? []), ...(counts?.unsure ?? [])]) this.pending.add(a);
          this.firstTouch = Math.min(this.firstTouch ?? touched, touched);
          this.opts.onError?.(err);
        },
      )
      .finally(() => {
        release();
        this.lastEnd = Date.now();
        this.lastMs[mode] = this.lastEnd - working;
        this.busyMs += this.lastEnd - working;
        this.running = null;
        if (!this.closed && this.hasPending()) this.schedule();
      });
    return this.running;
  }

  private maxShare(): number {
    return this.opts.maxShare ?? 0.2;
  }

  private asOf(): Day {
    return this.opts.asOf ?? today();
  }

  /** For /v1/health: refreshes done, how far behind the data they finished, the share of time spent refreshing. */
  health() {
    return {
      refreshes: this.refreshes,
      pending_accounts: this.all ? 'all' : this.pending.size + this.tally.accounts.size + this.tally.unsure.size,
      refreshing: this.running !== null,
      last: this.last,
      lag_ms: { ...this.lagMs },
      busy_share: Math.round((this.busyMs / Math.max(1, Date.now() - this.since)) * 1000) / 1000,
      max_share: this.maxShare(),
    };
  }

  /** Asks for a full refresh when the statuses are not current: none yet, another day or framework, or data written since. */
  async refreshIfBehind(): Promise<void> {
    try {
      const state = await statusState(this.opts.store);
      if (!state || state.stale || state.as_of < this.asOf() || state.hash !== frameworkHash(this.framework)) this.touch(null);
      // Following a collector without a basis (a start): one refresh of every account makes it.
      else if (this.opts.holdWrites && !this.basis && !this.running) this.touch(null);
    } catch (err) {
      this.opts.onError?.(err);
    }
  }
}
