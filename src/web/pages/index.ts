import { loadCharts } from '../charts.js';
import type { Page, PageBody } from '../shell.js';
import { overviewPage } from './overview.js';

/**
 * A page of the dashboard. The home page is in the first script; every other page is a chunk
 * of its own, loaded when first shown or preloaded. A page that draws charts loads ECharts (a
 * chunk of its own, most of the code) once it has asked the API: running it takes the
 * browser's one thread a while, better spent while the server answers than before it asks.
 */
function page(id: string, title: string, nav: boolean, charts: boolean, load: () => Promise<PageBody>): Page {
  let body: Promise<PageBody> | null = null;
  const get = () =>
    (body ??= load().catch((err: unknown) => {
      body = null;
      throw err;
    }));
  return {
    id,
    title,
    nav,
    preload: () => void get().catch(() => undefined),
    async render(ctx) {
      // A page's render asks the API before its first wait.
      const drawn = (await get()).render(ctx);
      if (charts) loadCharts().catch(() => undefined);
      return drawn;
    },
  };
}

/** The dashboard's pages; the first is the home page, and those with `nav` are in the navigation in this order. */
export const PAGES: readonly Page[] = [
  page('overview', 'Overview', true, true, async () => overviewPage),
  page('accounts', 'Accounts', true, false, async () => (await import('./accounts.js')).accountsPage),
  page('account', 'Account', false, true, async () => (await import('./account.js')).accountPage),
  page('discovery', 'Discovery', true, true, async () => (await import('./discovery.js')).discoveryPage),
  page('review', 'Review', true, true, async () => (await import('./review.js')).reviewPage),
  page('launches', 'Launches', true, true, async () => (await import('./launches.js')).launchesPage),
  page('launch', 'Launch', false, true, async () => (await import('./launches.js')).launchPage),
  page('data', 'Data', true, true, async () => (await import('./data.js')).dataPage),
];
