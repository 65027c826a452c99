/**
 * `npm run bench -- NAME [options]`: runs one benchmark. Each prints its figures and the ratio
 * against a baseline measured in the same run on the same data, since absolute times on a
 * shared machine are not comparable between runs. Results are recorded in BENCHMARKS.md.
 */
const BENCHES: Record<string, () => Promise<{ run: (args: string[]) => Promise<void> }>> = {
  import: () => import('./import.js'),
  milestones: () => import('./milestones.js'),
  discover: () => import('./discover.js'),
  ingest: () => import('./ingest.js'),
  statuses: () => import('./statuses.js'),
  accuracy: () => import('./accuracy.js'),
  clickhouse: () => import('./clickhouse.js'),
  dedup: () => import('./dedup.js'),
  outcomes: () => import('./outcomes.js'),
  cli: () => import('./cli.js'),
};

const [name, ...args] = process.argv.slice(2);
if (!name || !(name in BENCHES)) {
  process.stderr.write(`usage: npm run bench -- NAME [options]\nbenchmarks: ${Object.keys(BENCHES).join(', ')}\n`);
  process.exit(2);
}
await (await BENCHES[name]()).run(args);
