/**
 * The dashboard's files, served by the same process as the API: one HTML page, the shell's
 * script and stylesheet, and the chunks it loads (src/web bundled with esbuild, split: each
 * page and ECharts a chunk loaded when needed; no CDN, nothing fetched from elsewhere).
 * `npm run build` writes them to dist/web/; run from the sources, they are bundled in memory
 * on the first request.
 */
import { readdir, readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { BuildOptions } from 'esbuild';
import type { FastifyInstance } from 'fastify';

/** How src/web is bundled: here from the sources, and by `npm run build` into dist/web/. */
export const DASHBOARD_BUNDLE = {
  entryPoints: { dashboard: 'src/web/index.ts' },
  bundle: true,
  // Pages and ECharts as chunks the shell imports when needed (ES modules only).
  splitting: true,
  chunkNames: 'chunk-[hash]',
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  legalComments: 'external',
  logLevel: 'warning',
} as const satisfies BuildOptions;

/** Built, this module is a chunk in dist/, beside dist/web/. */
const BUILT = !import.meta.url.endsWith('.ts');

interface Asset {
  type: string;
  body: Buffer;
  gzip: Buffer;
}

const asset = (type: string, body: Buffer): Asset => ({ type, body, gzip: gzipSync(body) });

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Cairn</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/dashboard.css">
<script type="module" src="/assets/dashboard.js"></script>
</head>
<body><noscript>The Cairn dashboard needs JavaScript; every figure is also in the API (/api/v1/openapi.json) and the CLI.</noscript></body>
</html>
`;

let assets: Promise<Map<string, Asset>> | null = null;

const TYPES: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };
const typeOf = (name: string) => TYPES[name.slice(name.lastIndexOf('.'))];

async function load(): Promise<Map<string, Asset>> {
  let files: { name: string; body: Buffer }[];
  if (BUILT) {
    const dir = new URL('web/', import.meta.url);
    const names = (await readdir(dir)).filter((n) => typeOf(n));
    files = await Promise.all(names.map(async (name) => ({ name, body: await readFile(new URL(name, dir)) })));
  } else {
    // esbuild only here: the built server never loads it.
    const { build } = await import('esbuild');
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const out = await build({ ...DASHBOARD_BUNDLE, absWorkingDir: root, outdir: 'dist/web', write: false });
    files = out.outputFiles.map((f) => ({ name: basename(f.path), body: Buffer.from(f.contents) })).filter((f) => typeOf(f.name));
  }
  return new Map([['/', asset('text/html; charset=utf-8', Buffer.from(PAGE))], ...files.map((f) => [`/assets/${f.name}`, asset(typeOf(f.name), f.body)] as const)]);
}

/** Ready before the server listens, so the first page does not wait for a bundle. */
export async function prepareDashboard(): Promise<void> {
  assets ??= load();
  await assets;
}

// Scripts only from here; ECharts sets inline styles; no frames, no other site's data.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/** GET / and /assets/*: the dashboard; its data comes from /api/v1 with the person's token. */
export function registerDashboard(app: FastifyInstance): void {
  const serve = (fixed?: string) =>
    async function dashboardFile(req: { url: string; headers: Record<string, string | string[] | undefined> }, reply: import('fastify').FastifyReply) {
      assets ??= load();
      const path = fixed ?? req.url.split('?')[0];
      const a = (await assets).get(path);
      if (!a) return reply.code(404).type('text/plain; charset=utf-8').send('no such dashboard file');
      const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
      reply
        .type(a.type)
        .header('content-security-policy', CSP)
        .header('x-content-type-options', 'nosniff')
        .header('referrer-policy', 'no-referrer')
        // Chunks are named by their content; the page and the shell name the chunks of this build.
        .header('cache-control', path.startsWith('/assets/chunk-') ? 'public, max-age=31536000, immutable' : 'no-cache')
        .header('vary', 'accept-encoding');
      if (gzip) reply.header('content-encoding', 'gzip');
      return reply.send(gzip ? a.gzip : a.body);
    };
  app.get('/', serve('/'));
  app.get('/assets/*', serve());
}
