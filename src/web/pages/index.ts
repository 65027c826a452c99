import type { Page } from '../shell.js';
import { accountPage } from './account.js';
import { accountsPage } from './accounts.js';
import { dataPage } from './data.js';
import { discoveryPage } from './discovery.js';
import { launchesPage, launchPage } from './launches.js';
import { overviewPage } from './overview.js';
import { reviewPage } from './review.js';

/** The dashboard's pages; the first is the home page, and those with `nav` are in the navigation in this order. */
export const PAGES: readonly Page[] = [overviewPage, accountsPage, accountPage, discoveryPage, reviewPage, launchesPage, launchPage, dataPage];
