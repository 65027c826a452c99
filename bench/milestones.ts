/**
 * bench/milestones: all four milestones of the seed framework for every account as of one
 * day, through the engine, against a hand-written single-pass SQL computing the same four
 * reached days straight in DuckDB; checks they agree and prints both times and the ratio.
 *
 *   npm run bench -- milestones [--sizes 1000000,20000a,10000000] [--keep]
 *
 * A size is a number of events (accounts enough to produce them) or `NNNa`, a number of
 * accounts with all their events.
 */
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { parseMilestones, HELPDESK_DIR } from '../src/config/index.js';
import { computeMilestones } from '../src/milestones/index.js';
import { DuckDbStore } from '../src/store/duckdb/duckdb-store.js';
import { DATA, demoStore, option } from './demo-store.js';

const AS_OF = '2026-10-31';

/** A size is a number of events (accounts enough to produce them) or `NNNa`, a number of accounts. */
function sizedDemo(size: string): Promise<string> {
  const n = Number(size.replace(/a$/, ''));
  return demoStore(`milestones-${size}`, size.endsWith('a') ? { seed: 3, accounts: n } : { seed: 3, accounts: 50_000, maxEvents: n });
}

/**
 * The same four results written by hand for the seed framework, in one statement. It shares
 * no code with the engine and finds maturity differently (a range join over use days instead
 * of the engine's sweep), so agreement checks both.
 */
function handWrittenSql(framework: ReturnType<typeof parseMilestones>): string {
  const m = framework.milestones as Record<string, any>;
  const q = (s: string) => `'${s.replace(/'/g, "''")}'`;
  const steps = m.setup.steps.map((s: any, i: number) => `WHEN action = ${q(s.when.action)} AND object = ${q(s.when.object)} THEN ${i}`).join(' ');
  const catRows: string[] = [];
  Object.values(m.maturity.categories).forEach((c: any, ci: number) =>
    c.mature.forEach((f: any) => catRows.push(`(${ci}, ${q(f.action)}, ${q(f.object)})`)),
  );
  const act = m.activation;
  const util = m.utilization;
  const mat = m.maturity;
  return `
  WITH acc AS (SELECT account_id, CAST(created_at AS DATE) AS signup, seats FROM accounts WHERE CAST(created_at AS DATE) <= DATE '${AS_OF}'),
  act AS (SELECT * FROM account_activity WHERE day <= DATE '${AS_OF}'),
  setup_steps AS (
    SELECT account_id, step, min(day) AS first_day FROM (SELECT account_id, day, CASE ${steps} END AS step FROM act) s
    WHERE step IS NOT NULL GROUP BY account_id, step
  ),
  setup AS (
    SELECT account_id, first_day AS setup_day FROM (
      SELECT account_id, first_day, row_number() OVER (PARTITION BY account_id ORDER BY first_day) AS k FROM setup_steps
    ) WHERE k = ${m.setup.at_least ?? m.setup.steps.length}
  ),
  activation AS (
    SELECT account_id, min(day) AS activation_day FROM (
      SELECT a.account_id, a.day, sum(a.n) OVER (PARTITION BY a.account_id ORDER BY a.day) AS cum
      FROM (SELECT account_id, day, sum(n) AS n FROM act WHERE action = ${q(act.count.action)} AND object = ${q(act.count.object)} GROUP BY 1, 2) a
      JOIN acc USING (account_id) WHERE a.day >= acc.signup AND a.day < acc.signup + ${act.within_days}
    ) WHERE cum >= ${act.at_least} GROUP BY account_id
  ),
  resolved AS (
    SELECT account_id, CAST(timestamp AS DATE) AS day, sum(count) AS n FROM events
    WHERE action = ${q(util.count.action)} AND object = ${q(util.count.object)}
      AND json_extract_string(metadata, '$.state') = ${q(String(util.count.metadata.state))}
      AND timestamp < DATE '${AS_OF}' + 1
    GROUP BY 1, 2
  ),
  resolved_months AS (
    SELECT r.account_id, r.day, date_trunc('month', r.day) AS month, acc.signup, acc.seats,
      sum(r.n) OVER (PARTITION BY r.account_id, date_trunc('month', r.day) ORDER BY r.day) AS cum
    FROM resolved r JOIN acc USING (account_id) WHERE r.day >= acc.signup
  ),
  month_seats AS (
    SELECT rm.account_id, rm.month, coalesce(arg_max(h.seats, h.valid_from), any_value(rm.seats), 1) AS seats
    FROM (SELECT DISTINCT account_id, month, signup, seats FROM resolved_months) rm
    LEFT JOIN account_history h ON h.account_id = rm.account_id AND CAST(h.valid_from AS DATE) <= greatest(rm.month, rm.signup)
    GROUP BY rm.account_id, rm.month
  ),
  utilization AS (
    SELECT rm.account_id, min(rm.day) AS utilization_day FROM resolved_months rm JOIN month_seats s USING (account_id, month)
    WHERE s.seats > 0 AND rm.cum >= ${util.per_month_per_seat_at_least} * s.seats GROUP BY rm.account_id
  ),
  mature_features(cat, action, object) AS (VALUES ${catRows.join(', ')}),
  mature_uses AS (SELECT DISTINCT account_id, cat, day FROM act JOIN mature_features USING (action, object)),
  maturity AS (
    SELECT account_id, min(day) AS maturity_day FROM (
      SELECT d.account_id, d.day, count(DISTINCT u.cat) AS cats
      FROM (SELECT DISTINCT account_id, day FROM mature_uses) d
      JOIN mature_uses u ON u.account_id = d.account_id AND u.day <= d.day AND u.day > d.day - ${mat.window_days}
      GROUP BY d.account_id, d.day
    ) WHERE cats >= ${mat.mature_in_at_least} GROUP BY account_id
  )
  SELECT acc.account_id, CAST(setup_day AS VARCHAR) AS setup, CAST(activation_day AS VARCHAR) AS activation,
    CAST(utilization_day AS VARCHAR) AS utilization, CAST(maturity_day AS VARCHAR) AS maturity
  FROM acc LEFT JOIN setup USING (account_id) LEFT JOIN activation USING (account_id)
    LEFT JOIN utilization USING (account_id) LEFT JOIN maturity USING (account_id)
  ORDER BY acc.account_id`;
}

export async function run(args: string[]): Promise<void> {
  const sizes = (option(args, 'sizes') ?? '1000000,20000a,10000000').split(',');
  await mkdir(DATA, { recursive: true });
  const framework = parseMilestones(await readFile(join(HELPDESK_DIR, 'milestones.yaml'), 'utf8'));
  console.log(`bench/milestones: the engine vs hand-written SQL, seed framework, as of ${AS_OF}`);
  for (const size of sizes) {
    const db = await sizedDemo(size);
    const store = await DuckDbStore.open({ path: db });
    const { events, accounts } = await store.stats();
    // Warm both once (file pages, plans), then time the better of two runs each.
    const timeIt = async <T>(work: () => Promise<T>) => {
      let best = Infinity;
      let result!: T;
      for (let i = 0; i < 3; i++) {
        const t = performance.now();
        result = await work();
        if (i > 0) best = Math.min(best, (performance.now() - t) / 1000);
      }
      return { seconds: best, result };
    };
    const engine = await timeIt(() => computeMilestones(store, framework, AS_OF));
    await store.close();
    const instance = await DuckDBInstance.create(db);
    const conn = await instance.connect();
    const text = handWrittenSql(framework);
    const hand = await timeIt(async () => (await conn.runAndReadAll(text)).getRowObjectsJson() as Record<string, string | null>[]);
    conn.closeSync();
    instance.closeSync();

    const names = ['setup', 'activation', 'utilization', 'maturity'];
    let disagreements = 0;
    const handById = new Map(hand.result.map((r) => [r.account_id as string, r]));
    for (const a of engine.result.accounts) {
      const h = handById.get(a.account_id);
      for (const n of names) if ((a.milestones[n].reached_at ?? null) !== (h?.[n] ?? null)) disagreements++;
    }
    console.log(`\n  ${events.toLocaleString('en-US')} events, ${accounts.toLocaleString('en-US')} accounts`);
    console.log(`  hand-written SQL   ${hand.seconds.toFixed(2)} s`);
    console.log(`  engine             ${engine.seconds.toFixed(2)} s  (${engine.result.accounts.length.toLocaleString('en-US')} accounts placed)`);
    console.log(`  agreement          ${disagreements === 0 ? 'all reached days equal' : `${disagreements} reached days differ`} (${(engine.result.accounts.length * names.length).toLocaleString('en-US')} compared)`);
    console.log(`  ratio (engine / hand-written time)  ${(engine.seconds / hand.seconds).toFixed(2)}×`);
  }
  if (!args.includes('--keep')) await rm(DATA, { recursive: true, force: true });
}
