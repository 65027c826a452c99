import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ApiContext } from '../api-context.js';
import { route } from '../api-route.js';

/** A file's text, or null when it is not there. */
const textOf = (file: string) =>
  readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });

/** What `cairn discover` found last, beside the framework in use; discovery is too long to run per request. */
export const discoveryRoutes = (ctx: ApiContext) => [
  route({
    method: 'GET',
    path: '/discovery',
    tag: 'discovery',
    summary: "The last discovery's evidence (importance with rank intervals, flags, thresholds, Kaplan–Meier curves) and its proposal beside milestones.yaml",
    description: 'Read from `discovery/` in the workspace, where `cairn discover` writes by default; `evidence` is null until it has run there.',
    response: { description: '`{ evidence, proposal, current, hint }`: evidence.json, proposed-milestones.yaml and milestones.yaml as text' },
    handler: async () => {
      const ws = ctx.workspace();
      const dir = join(ws.dir, 'discovery');
      const [text, proposal, current] = await Promise.all([textOf(join(dir, 'evidence.json')), textOf(join(dir, 'proposed-milestones.yaml')), textOf(ws.files.milestones)]);
      const evidence = text === null ? null : (JSON.parse(text) as { verdict?: { proposed: string[] } });
      return {
        evidence,
        // A run that proposed nothing leaves an earlier run's file: not this evidence's proposal.
        proposal: evidence?.verdict?.proposed.length === 0 ? null : proposal,
        current,
        hint: evidence === null ? 'no discovery yet: run `cairn discover` in the workspace (it writes discovery/evidence.json)' : null,
      };
    },
  }),
];
