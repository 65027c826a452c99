import type { StatusRefreshLease } from '../store.js';
import type { ClickHouseDriver } from './clickhouse-driver.js';

/**
 * Status refreshes one at a time across processes, on a server without transactions or a lock
 * service (18.16 has neither, and ZooKeeper is not assumed). A refresh claims its id by
 * creating the table `cairn_refresh_claim_<id>` on one host every process agrees on (the
 * server, or the cluster's first shard). Creating a table whose name exists fails, so of two
 * processes claiming one id exactly one succeeds and the other looks again: an id — and the
 * seq numbers of its changes (store.ts changeSeq) — is never given twice, even to two
 * `cairn serve` on one store. The id is one above the newest claim and the newest recorded
 * refresh (status_refreshes), so ids only grow, after `cairn migrate` too.
 *
 * The holder writes a heartbeat row into its claim every quarter lease, and a last row when it
 * ends: finished (its refresh recorded, or nothing to write) or failed. Others wait while the
 * newest claim is not recorded, not ended and beat within the lease; after that (its process
 * died, or it failed) the next claim goes on and is told a refresh did not finish. A holder
 * that finds a later claim before recording its refresh gives up (`overtaken`): it must have
 * stalled past its lease while another took over. Times are the server's clock.
 */
export class RefreshClaims {
  /** Heartbeats of the claims this process holds; a closed store beats no more, as a dead process. */
  private readonly beating = new Set<NodeJS.Timeout>();

  private readonly prefix: string;
  private readonly pattern: RegExp;

  /** `name`: claims of other names (leases, see ClickHouseStore.withLease) are apart from these. */
  constructor(
    private readonly host: ClickHouseDriver,
    private readonly leaseMs: number,
    name = 'refresh',
  ) {
    this.prefix = `cairn_${name}_claim_`;
    this.pattern = new RegExp(`^${this.prefix}(\\d+)$`);
  }

  /** Claims the next id, waiting while another live refresh holds the newest claim. */
  async claim(recorded: () => Promise<number>): Promise<{ lease: StatusRefreshLease; end(ok: boolean): Promise<void> }> {
    for (let wait = 50; ; wait = Math.min(wait * 2, 1000)) {
      const claims = await this.list();
      const last = await recorded();
      const top = Math.max(last, ...claims.map((c) => c.id));
      let afterUnfinished = false;
      if (top > last) {
        const state = await this.state(claims.find((c) => c.id === top)!).catch(gone);
        if (state === 'gone' || state === 'held') {
          await sleep(wait);
          continue;
        }
        afterUnfinished = state !== 'finished';
      }
      const id = top + 1;
      try {
        await this.host.command(`CREATE TABLE ${this.table(id)} (at UInt64, state UInt8) ENGINE = Log`, {});
      } catch (err) {
        if (TAKEN.test((err as Error).message)) continue;
        throw err;
      }
      await this.beat(id, ALIVE);
      const timer = setInterval(() => void this.beat(id, ALIVE).catch(() => undefined), this.leaseMs / 4);
      timer.unref();
      this.beating.add(timer);
      return {
        lease: { id, afterUnfinished },
        end: async (ok) => {
          clearInterval(timer);
          this.beating.delete(timer);
          await this.beat(id, ok ? FINISHED : FAILED);
          // Older claims are settled: the newest one alone tells the next id and its fate.
          if (ok) for (const c of claims) if (c.id < id) await this.host.command(`DROP TABLE IF EXISTS ${this.table(c.id)}`, {});
        },
      };
    }
  }

  /** Stops every heartbeat (the store closes). */
  close(): void {
    for (const timer of this.beating) clearInterval(timer);
    this.beating.clear();
  }

  /** Whether a claim later than `id` exists: its holder would write beside another refresh. */
  async overtaken(id: number): Promise<boolean> {
    return (await this.list()).some((c) => c.id > id);
  }

  private async list(): Promise<{ id: number; made: number }[]> {
    const rows = await this.host.query<{ name: string; made: string | number }>(
      `SELECT name, toUInt64(metadata_modification_time) AS made FROM system.tables WHERE database = currentDatabase() AND startsWith(name, '${this.prefix}')`,
      {},
    );
    return rows.flatMap((r) => (this.pattern.test(r.name) ? [{ id: Number(this.pattern.exec(r.name)![1]), made: Number(r.made) }] : []));
  }

  /** A claim's fate: ended (finished or failed), held (alive within its lease) or expired. */
  private async state(claim: { id: number; made: number }): Promise<'finished' | 'failed' | 'held' | 'expired'> {
    const [row] = await this.host.query<{ state: string | number; beat: string | number; now: string | number }>(
      `SELECT max(state) AS state, max(at) AS beat, toUInt64(now()) AS now FROM ${this.table(claim.id)}`,
      {},
    );
    const state = Number(row?.state ?? ALIVE);
    if (state === FINISHED) return 'finished';
    if (state === FAILED) return 'failed';
    const beat = Math.max(Number(row?.beat ?? 0), claim.made);
    return (Number(row?.now ?? 0) - beat) * 1000 < this.leaseMs ? 'held' : 'expired';
  }

  private table(id: number): string {
    return `${this.prefix}${Math.trunc(id)}`;
  }

  private beat(id: number, state: number): Promise<void> {
    return this.host.command(`INSERT INTO ${this.table(id)} SELECT toUInt64(now()), ${state}`, {});
  }
}

const [ALIVE, FINISHED, FAILED] = [0, 1, 2];

/** Another process made the table first (18.16 may also say it is being made right now). */
const TAKEN = /Code: 57\b|already exists|is creating or attaching right now|TABLE_ALREADY_EXISTS/;

/** A claim table dropped between listing and reading it: look again. */
function gone(err: unknown): 'gone' {
  if (/Code: 60\b|doesn't exist|UNKNOWN_TABLE/.test((err as Error).message)) return 'gone';
  throw err;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
