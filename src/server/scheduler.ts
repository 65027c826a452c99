import { randomBytes } from 'node:crypto';
import { Cron } from 'croner';
import { sql, type Store } from '../store/index.js';

/**
 * The jobs `cairn serve` runs on a schedule (croner, cron in UTC): a table of jobs, so a
 * feature adds its own (the review, status refreshes; launch reports when outcomes land)
 * without the scheduler knowing it. Each run of a job holds the lease `job_<name>`, so across
 * every process serving one store a scheduled time (the slot) runs once: a process that
 * finds its slot run already skips it. Every run is recorded in job_runs with its result or
 * error, and `cairn stats` shows them.
 */
export interface Job {
  /** Lowercase letters, digits and underscores. */
  name: string;
  /** When it runs: a cron expression (5 or 6 fields, UTC). */
  schedule: string;
  /** Given the start of its last successful run (null: never), whether it is due now, at start (a slot missed while down). */
  dueAtStart?: (lastOk: Date | null) => boolean;
  /** The work; what it returns (JSON-safe) is kept as the run's result. */
  run(): Promise<unknown>;
}

export interface JobRun {
  job: string;
  slot: string;
  status: 'ok' | 'failed' | 'skipped';
  seconds: number;
  result: unknown;
  error: string | null;
}

const JOB_NAME = /^[a-z][a-z0-9_]{0,39}$/;

export class Scheduler {
  private readonly jobs = new Map<string, Job>();
  private readonly crons = new Map<string, Cron>();
  private readonly running = new Set<Promise<JobRun>>();
  private started = false;

  constructor(private readonly opts: { store: Store; log?: (line: string) => void; onRun?: (run: JobRun) => void }) {}

  /** Adds a job to the table; added after `start`, it is scheduled at once. */
  register(job: Job): this {
    if (!JOB_NAME.test(job.name)) throw new Error(`invalid job name: ${job.name}`);
    if (this.jobs.has(job.name)) throw new Error(`invalid job: ${job.name} is registered already`);
    this.jobs.set(job.name, job);
    if (this.started) void this.schedule(job);
    return this;
  }

  get names(): string[] {
    return [...this.jobs.keys()];
  }

  /** Schedules every job; runs at once those due at start. */
  async start(): Promise<void> {
    this.started = true;
    for (const job of this.jobs.values()) await this.schedule(job);
  }

  private async schedule(job: Job): Promise<void> {
    if (this.crons.has(job.name)) return;
    // protect: a run still going when the next time comes is not doubled.
    this.crons.set(
      job.name,
      new Cron(job.schedule, { timezone: 'UTC', protect: true }, async (self: Cron) => {
        await this.track(job.name, self.currentRun() ?? new Date());
      }),
    );
    if (job.dueAtStart?.(await lastOk(this.opts.store, job.name))) void this.track(job.name, new Date());
  }

  private track(name: string, slot: Date): Promise<JobRun> {
    const run = this.runJob(name, slot);
    this.running.add(run);
    void run.finally(() => this.running.delete(run));
    return run;
  }

  /**
   * Runs a job for a slot (the time its schedule fired for; default now) and records it: the
   * runner the schedule calls, and tests and `cairn serve` too. Never throws for the job's
   * failure: that is recorded as the run's error.
   */
  async runJob(name: string, slot = new Date()): Promise<JobRun> {
    const job = this.jobs.get(name);
    if (!job) throw new Error(`unknown job: ${name}`);
    const at = new Date(Math.floor(slot.getTime() / 1000) * 1000);
    const store = this.opts.store;
    const run = await store.withLease(`job_${name}`, async (): Promise<JobRun> => {
      const [{ n }] = await store.query<{ n: string | number }>(sql`SELECT count(*) AS n FROM job_runs WHERE job = ${name} AND slot = ${at}`);
      if (Number(n) > 0) return { job: name, slot: at.toISOString(), status: 'skipped', seconds: 0, result: null, error: null };
      const started = Date.now();
      let result: unknown = null;
      let error: string | null = null;
      try {
        result = (await job.run()) ?? null;
      } catch (err) {
        error = (err as Error)?.message ?? String(err);
      }
      const finished = Date.now();
      const status = error === null ? 'ok' : 'failed';
      await store.writeRows('job_runs', [
        { id: `${name}-${started}-${randomBytes(4).toString('hex')}`, job: name, slot: at.getTime(), started_at: started, finished_at: finished, status, result: result === null ? null : JSON.stringify(result), error },
      ]);
      return { job: name, slot: at.toISOString(), status, seconds: (finished - started) / 1000, result, error };
    });
    if (run.status === 'failed') this.opts.log?.(`job ${name} failed: ${run.error}`);
    this.opts.onRun?.(run);
    return run;
  }

  /** When each job runs next. */
  nextRuns(): Record<string, string | null> {
    return Object.fromEntries([...this.jobs.keys()].map((name) => [name, this.crons.get(name)?.nextRun()?.toISOString() ?? null]));
  }

  /** Stops the schedules and waits for the runs in progress. */
  async stop(): Promise<void> {
    for (const c of this.crons.values()) c.stop();
    await Promise.allSettled([...this.running]);
  }
}

/** The start of a job's last successful run, or null. */
async function lastOk(store: Store, job: string): Promise<Date | null> {
  const [row] = await store.query<{ n: string | number; at: string | number | null }>(
    sql`SELECT count(*) AS n, ${store.dialect.epochMs(sql`max(started_at)`)} AS at FROM job_runs WHERE job = ${job} AND status = 'ok'`,
  );
  // ClickHouse gives max() of no rows as 0, not NULL: the count tells.
  return Number(row?.n ?? 0) === 0 ? null : new Date(Number(row.at));
}
