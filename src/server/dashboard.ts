/**
 * The dashboard's files, served by the same process as the API: one HTML page, one script
 * and one stylesheet (src/web bundled with esbuild, ECharts inside: no CDN, nothing fetched
 * from elsewhere). `npm run build` writes them to dist/web/; run from the sources, they are
 * bundled in memory on the first request.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { BuildOptions } from 'esbuild';
import type { FastifyInstance } from 'fastify';

/** How src/web is bundled: here from the sources, and by `npm run build` into dist/web/. */
export const DASHBOARD_BUNDLE = {
  entryPoints: { dashboard: 'src/web/index.ts' },
  bundle: true,
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

async function load(): Promise<Map<string, Asset>> {
  let js: Buffer;
  let css: Buffer;
  if (BUILT) {
    [js, css] = await Promise.all([readFile(new URL('web/dashboard.js', import.meta.url)), readFile(new URL('web/dashboard.css', import.meta.url))]);
  } else {
    // esbuild only here: the built server never loads it.
    const { build } = await import('esbuild');
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const out = await build({ ...DASHBOARD_BUNDLE, absWorkingDir: root, outdir: 'dist/web', write: false });
    const file = (ext: string) => Buffer.from(out.outputFiles.find((f) => f.path.endsWith(`dashboard${ext}`))!.contents);
    [js, css] = [file('.js'), file('.css')];
  }
  return new Map([
    ['/', asset('text/html; charset=utf-8', Buffer.from(PAGE))],
    ['/assets/dashboard.js', asset('text/javascript; charset=utf-8', js)],
    ['/assets/dashboard.css', asset('text/css; charset=utf-8', css)],
  ]);
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
  const serve = (path: string) =>
    async function dashboardFile(req: { headers: Record<string, string | string[] | undefined> }, reply: import('fastify').FastifyReply) {
      assets ??= load();
      const a = (await assets).get(path)!;
      const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
      reply
        .type(a.type)
        .header('content-security-policy', CSP)
        .header('x-content-type-options', 'nosniff')
        .header('referrer-policy', 'no-referrer')
        .header('cache-control', path === '/' ? 'no-cache' : 'public, max-age=300')
        .header('vary', 'accept-encoding');
      if (gzip) reply.header('content-encoding', 'gzip');
      return reply.send(gzip ? a.gzip : a.body);
    };
  for (const path of ['/', '/assets/dashboard.js', '/assets/dashboard.css']) app.get(path, serve(path));
}
