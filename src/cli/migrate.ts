import { clickhouseEngineBlock, loadWorkspace, resolveWorkspaceDir, switchToClickHouse } from '../config/index.js';
import { COPIED_TABLES, copyCounts, exportRows } from '../store/index.js';
import { CliError, usageError } from './errors.js';
import { formatNumber, print, printJson, printTable } from './output.js';
import { progressBar } from './progress-bar.js';
import { openClickHouseTarget, withStore, type GlobalOptions } from './workspace.js';

interface MigrateOptions {
  to: string;
  database: string;
  cluster?: string;
  hosts?: string;
  username?: string;
  switch?: boolean;
  force?: boolean;
  json?: boolean;
}

/**
 * `cairn migrate --to clickhouse URL`: copies the workspace's store (events with their message
 * ids, arrival times and sources; accounts, history, users, quarantine, plan violations,
 * checkpoints, the launch ledger) into ClickHouse, then checks that every count agrees. Write
 * keys and config stay in the workspace; `--switch` then points cairn.yaml at ClickHouse.
 */
export async function runMigrate(url: string, opts: MigrateOptions, globals: GlobalOptions): Promise<void> {
  if (opts.to !== 'clickhouse') throw usageError(`invalid --to: ${opts.to} (only clickhouse)`);
  const ws = await loadWorkspace(resolveWorkspaceDir(globals.workspace));
  if (ws.config.engine.kind === 'clickhouse') throw usageError('this workspace is on ClickHouse already');
  const hosts = opts.hosts?.split(',').map((h) => h.trim()).filter(Boolean);
  const connection = { url, database: opts.database, cluster: opts.cluster, hosts, username: opts.username };
  const target = await openClickHouseTarget(connection);
  try {
    await withStore(ws, async (_ws, source) => {
      const before = await copyCounts(target);
      if (!opts.force && (before.events > 0 || before.accounts > 0)) {
        throw usageError(`${url} database ${opts.database} already holds ${formatNumber(before.events)} events and ${formatNumber(before.accounts)} accounts; use --force to copy into it anyway, or --database NAME`);
      }
      const expected = await copyCounts(source);
      const bar = progressBar(!opts.json, 'rows');
      const total = expected.events + expected.accounts + expected.account_history + expected.users + expected.quarantine;
      let done = 0;
      for (const table of COPIED_TABLES) {
        for await (const rows of exportRows(source, table)) {
          await target.restore(table, rows);
          done += rows.length;
          bar.update(Math.min(done, total), total, table);
        }
      }
      bar.stop();
      const copied = await copyCounts(target);
      const rows = Object.keys(expected).map((k) => ({ what: k, source: expected[k], clickhouse: copied[k], ok: opts.force ? copied[k] >= expected[k] : copied[k] === expected[k] }));
      const ok = rows.every((r) => r.ok);
      const switched = ok && opts.switch ? await switchToClickHouse(ws.dir, connection) : null;
      if (opts.json) printJson({ ok, counts: rows, switched });
      else {
        printTable(['', 'here', 'ClickHouse', 'agree'], rows.map((r) => [r.what, formatNumber(r.source), formatNumber(r.clickhouse), r.ok ? 'yes' : 'NO']));
        if (switched) print(`\n${switched} now points at ClickHouse (${url}, database ${opts.database}); the DuckDB file is left as it was`);
        else if (ok) print(`\ncopied and checked; to use it, write this engine block into cairn.yaml (or copy with --switch):\n\n${clickhouseEngineBlock(connection)}`);
      }
      if (!ok) throw new CliError('the counts differ after the copy (see above): the workspace was not switched');
    });
  } finally {
    await target.close();
  }
}
