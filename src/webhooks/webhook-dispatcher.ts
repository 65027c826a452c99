import type { MilestonesConfig, WebhooksConfig } from '../config/index.js';
import type { Store } from '../store/index.js';
import { deliverWebhooks, type DeliveryRun } from './deliveries.js';
import type { Endpoint } from './endpoints.js';

export interface WebhookDispatcherOptions {
  store: Store;
  config: WebhooksConfig;
  endpoints: readonly Endpoint[];
  /** The framework now (milestones.yaml may be re-read): its language words the events. */
  framework: () => MilestonesConfig;
  /** Look at the feeds at least this often, for rows other processes wrote (default 30 s). */
  pollMs?: number;
  onRun?: (run: DeliveryRun) => void;
  onError?: (err: unknown) => void;
}

/**
 * Runs deliveries in `cairn serve`: soon after each status refresh (`kick`), when the next
 * retry is due, and every `pollMs`; one run at a time, and one more after it when kicked
 * meanwhile. `close` waits for the run in progress.
 */
export class WebhookDispatcher {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private closed = false;
  /** Runs done and the last one's figures (for /v1/health and tests). */
  runs = 0;
  last: DeliveryRun | null = null;

  constructor(private readonly opts: WebhookDispatcherOptions) {
    if (opts.endpoints.length > 0) this.wake(0);
  }

  /** Something may have been written to the feeds: run soon. */
  kick(): void {
    if (this.opts.endpoints.length === 0 || this.closed) return;
    if (this.running) this.again = true;
    else this.wake(50);
  }

  /** Runs now (after the run in progress) and returns its figures. */
  async runNow(): Promise<DeliveryRun | null> {
    while (this.running) await this.running;
    await this.run();
    return this.last;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    while (this.running) await this.running;
  }

  private wake(ms: number): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.run();
    }, Math.max(0, ms));
    this.timer.unref();
  }

  private run(): Promise<void> {
    if (this.running) return this.running;
    this.again = false;
    let due: number | null = null;
    this.running = deliverWebhooks(this.opts.store, { config: this.opts.config, endpoints: this.opts.endpoints, framework: this.opts.framework() })
      .then(
        (run) => {
          this.runs++;
          this.last = run;
          due = run.next_due;
          this.opts.onRun?.(run);
        },
        // A failed run is tried again at the next poll, not at once.
        (err) => this.opts.onError?.(err),
      )
      .finally(() => {
        this.running = null;
        const poll = this.opts.pollMs ?? 30_000;
        this.wake(this.again ? 50 : due === null ? poll : Math.min(poll, due - Date.now()));
      });
    return this.running;
  }

  health() {
    return { endpoints: this.opts.endpoints.map((e) => e.name), runs: this.runs, last: this.last };
  }
}
