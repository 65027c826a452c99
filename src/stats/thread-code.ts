import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BuildOptions } from 'esbuild';

const bundles = new Map<string, string>();

/** How a thread's entry is bundled: here from the sources, and by `npm run build` into dist/threads/. */
export const THREAD_BUNDLE = { bundle: true, platform: 'node', format: 'cjs', logLevel: 'silent' } as const satisfies BuildOptions;

/** Built, this module is a chunk in dist/, and each thread's bundle waits in dist/threads/. */
const BUILT = !import.meta.url.endsWith('.ts');

/**
 * A worker thread's TypeScript entry as one plain CJS script, for `new Worker(code, { eval:
 * true })`. Threads start without the parent's tsx loader; bundling once (about 20 ms) starts
 * each thread some 0.3 s sooner than registering the loader in it. Cached per entry. The built
 * CLI reads the bundle `npm run build` made of every `*-worker.ts`, found by its file name.
 */
export function threadCode(entry: URL): string {
  let code = bundles.get(entry.href);
  if (code === undefined) {
    code = BUILT
      ? readFileSync(new URL(`threads/${basename(entry.pathname, '.ts')}.cjs`, import.meta.url), 'utf8')
      : bundleNow(fileURLToPath(entry));
    bundles.set(entry.href, code);
  }
  return code;
}

/** esbuild, required only here: the built CLI never loads it. */
function bundleNow(entry: string): string {
  const { buildSync } = createRequire(import.meta.url)('esbuild') as typeof import('esbuild');
  return buildSync({ ...THREAD_BUNDLE, entryPoints: [entry], write: false }).outputFiles[0].text;
}
