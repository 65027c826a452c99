/**
 * `npm run build`, also npm's `prepare` (so `npm install` and `npm ci` run it): bundles the CLI
 * and the server it starts with esbuild into dist/, which bin/cairn.js runs in place of the
 * TypeScript sources while it is at least as new as everything under src/ and package.json.
 *
 *   dist/cairn.js           src/cli/main.ts; each verb's module a chunk loaded when it runs
 *   dist/chunk-*.js         code shared between verbs
 *   dist/threads/*.cjs      every src/**\/*-worker.ts, as stats/thread-code.ts starts threads
 *   dist/web/               the dashboard (src/web): the shell, a chunk per page and one of ECharts, as server/dashboard.ts serves them
 *
 * Small pure-JS packages (commander, yaml, zod…) are bundled: one file loads faster than their
 * many. The native and heavy ones stay in node_modules and load only when a verb needs them.
 */
import { mkdir, readdir, rename, rm, utimes } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { BUILT_ENTRY } from '../bin/built-cli.js';
import { DASHBOARD_BUNDLE } from '../src/server/dashboard.js';
import { THREAD_BUNDLE } from '../src/stats/thread-code.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** Loaded from node_modules: native code, their own workers or files, or too big to bundle. */
const EXTERNAL = ['@duckdb/node-api', '@clickhouse/client', 'chdb', 'esbuild', 'fastify', 'hyparquet', 'hyparquet-compressors'];
/** Bundled CommonJS packages `require` Node's modules; an ES module has no `require` of its own. */
const REQUIRE = "import { createRequire as cairnCreateRequire } from 'node:module'; const require = cairnCreateRequire(import.meta.url);";

/** Builds the CLI from `root`'s sources into `outDir` (replaced whole); returns esbuild's metafile of the CLI. */
export async function buildCli(root = ROOT, outDir = join(root, 'dist')): Promise<Metafile> {
  // Stamped with the start: a source saved while building makes the result stale, as it should.
  const started = (performance.timeOrigin + performance.now()) / 1000;
  const next = `${outDir}.next`;
  await rm(next, { recursive: true, force: true });
  const cli = await build({
    absWorkingDir: root,
    entryPoints: { [basename(BUILT_ENTRY, '.js')]: 'src/cli/main.ts' },
    outdir: next,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: EXTERNAL,
    banner: { js: REQUIRE },
    metafile: true,
    logLevel: 'warning',
  });
  const workers = await threadEntries(join(root, 'src'));
  await mkdir(join(next, 'threads'));
  for (const entry of workers) {
    await build({ ...THREAD_BUNDLE, logLevel: 'warning', absWorkingDir: root, entryPoints: [entry], outfile: join(next, 'threads', `${basename(entry, '.ts')}.cjs`) });
  }
  await build({ ...DASHBOARD_BUNDLE, absWorkingDir: root, outdir: join(next, 'web') });
  await utimes(join(next, BUILT_ENTRY), started, started);
  await rm(outDir, { recursive: true, force: true });
  await rename(next, outDir);
  return cli.metafile;
}

/** Every thread entry (`*-worker.ts`) under `dir`; their names must differ, as dist/threads/ is flat. */
async function threadEntries(dir: string): Promise<string[]> {
  const files = (await readdir(dir, { recursive: true })).filter((f) => f.endsWith('-worker.ts')).map((f) => join(dir, f));
  const names = files.map((f) => basename(f));
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) throw new Error(`two thread entries named ${twice}: rename one, dist/threads/ holds them side by side`);
  return files;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  await buildCli();
  console.log(`built dist/ in ${Math.round(performance.now() - started)} ms`);
}
