import { EndpointError, deliverWebhooks, replayDeadLetters, resolveEndpoints, type ReplayResult } from '../webhooks/index.js';
import { usageError } from './errors.js';
import { print, printJson } from './output.js';
import { adminRequest, viaStoreOrServer } from './running-server.js';
import type { GlobalOptions } from './workspace.js';

/**
 * `cairn webhooks replay`: dead letters back to be delivered. While `cairn serve` runs, it
 * replays and delivers them; otherwise this command does, now.
 */
export async function runWebhooksReplay(opts: { id?: string[]; all?: boolean; json?: boolean }, globals: GlobalOptions): Promise<void> {
  if (!opts.all && !opts.id?.length) throw usageError('name the dead letters to replay with --id ID… (see `cairn stats`), or --all');
  if (opts.all && opts.id?.length) throw usageError('--id and --all: give one of them');
  const body = { ids: opts.id, all: opts.all === true };
  const result = await viaStoreOrServer<ReplayResult & { delivered: number | null }>(
    globals,
    async (h) => ({ ...(await adminRequest<ReplayResult>(h, '/v1/admin/webhooks/replay', body)), delivered: null }),
    async (ws, store) => {
      let endpoints;
      try {
        endpoints = await resolveEndpoints(ws.config.webhooks, ws.dir);
      } catch (err) {
        throw err instanceof EndpointError ? usageError(err.message) : err;
      }
      const replayed = await replayDeadLetters(store, body);
      const run = replayed.replayed.length ? await deliverWebhooks(store, { config: ws.config.webhooks, endpoints, framework: ws.milestones }) : null;
      return { ...replayed, delivered: run?.delivered ?? 0 };
    },
  );
  if (opts.json) return printJson(result);
  print(`${result.replayed.length} dead letter${result.replayed.length === 1 ? '' : 's'} replayed${result.delivered === null ? ' (cairn serve delivers them now)' : `, ${result.delivered} delivered now`}`);
  for (const r of result.refused) print(`  ${r.id}: ${r.reason}`);
}
