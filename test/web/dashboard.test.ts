/**
 * The dashboard in a real browser (Debian's chromium through playwright-core) on a small demo
 * served by `cairn serve`: every page opens without a console error, its figures equal the
 * API's and the CLI's, overview → cohort → account, filters, the CSV export equals `cairn
 * segment`, launches equal `cairn launch due` and `cairn launch report`, a quarantined event is
 * replayed, the keyboard reaches the pages; screenshots go to
 * test-artifacts/dashboard/ (git-ignored). And `cairn demo` itself ends by serving it.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { FrameworkReview } from '../../src/review/index.js';
import { fmt } from '../../src/review/format.js';
import { cairn, FROM_SOURCES } from '../cli/run-cli.js';
import { BIN, bearer, killChildren, post, spawnServer, waitFor, type ChildServer } from '../collect/http/helpers.js';
import { tempDir } from '../tmp.js';

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/dashboard/', import.meta.url));
const CHROMIUM = { executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] };

/** A share as the dashboard writes it: `45.2% [41.0%–49.5%]`. */
const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
const shareText = (s: { share: number | null; low: number; high: number } | null) => (!s || s.share === null ? '—' : `${pct(s.share)} [${pct(s.low)}–${pct(s.high)}]`);

interface Share {
  n: number;
  of: number;
  share: number | null;
  low: number;
  high: number;
}
/** The demo's launch with a real effect and a randomized holdout (src/demo/launches.ts). */
const LAUNCH = 'reply_suggestions';
/** A day past its 365-day checkpoint (2027-03-02 on the demo's seed) and the 14 grace days. */
const LATER = '2027-03-20';
interface LaunchDue {
  today: string;
  due: number;
  overdue: number;
  launches: { launch: string; checkpoints: { days: number; status: string; reports: string[] }[]; flags: { code: string }[] }[];
}
interface ReportContract {
  verdict: string;
  design: string | null;
  outcome: { estimate: number | null; low: number | null; high: number | null; treated: { n: number }; control: { n: number } };
}
interface LaunchesApi {
  launches: (LaunchDue['launches'][number] & {
    overdue: boolean;
    horizons: { days: number; checkpoints: { days: number; status: string; report: { verdict: string; grade: string | null } | null }[] }[];
    funnel: { weeks: { exposed: number; stages: Record<string, { count: number }> }[] } | null;
  })[];
}

interface CliFunnel {
  as_of: string;
  stages: { name: string; label: string }[];
  milestones: string[];
  total: { accounts: number; stages: Record<string, Share>; milestones: Record<string, { reached: Share }>; headline: Share | null };
  cohorts: { cohort: string; accounts: number; milestones: Record<string, { reached: Share }> }[];
}

describe('the dashboard in Chromium', { timeout: 30 * 60_000 }, () => {
  let ws: string;
  let asOf: string;
  let server: ChildServer;
  let browser: Browser;
  let page: Page;
  let admin: string;
  const problems: string[] = [];
  const cli = async (args: string[]) => {
    const r = await cairn(['-w', ws, ...args]);
    assert.equal(r.code, 0, `cairn ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  let funnel: CliFunnel;
  let segmentCsv: string;
  let stats: { events: number; quarantined: number };
  /** The third cohort, and `cairn account --json` of its first account (the first row the page lists). */
  let cohort: CliFunnel['cohorts'][number];
  let account: { account_id: string; stage: string; next_best_step: { action: string } | null; history: { day: string; framework_version: number }[] } & Record<string, unknown>;
  let review: FrameworkReview;
  let due: LaunchDue;
  /** `cairn launch due` after the 12-month checkpoint of LAUNCH and its grace days: overdue. */
  let dueLater: LaunchDue;
  let contract: ReportContract;

  before(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    // Not tempDir(): its after() would run when before() ends.
    ws = join(await mkdtemp(join(tmpdir(), 'cairn-web-')), 'demo');
    const demo = await cairn(['demo', '--no-serve', '--dir', ws, '--accounts', '500', '--months', '18', '--seed', '11', '--json'], { timeoutMs: 20 * 60_000 });
    assert.equal(demo.code, 0, demo.stderr);
    asOf = JSON.parse(demo.stdout).funnel.as_of;
    // What the CLI says, read before the server holds the store.
    funnel = JSON.parse(await cli(['funnel', '--by', 'signup_month', '--as-of', asOf, '--json']));
    segmentCsv = await cli(['segment', 'stuck_in_setup', '--as-of', asOf, '--format', 'csv']);
    stats = JSON.parse(await cli(['stats', '--json']));
    cohort = funnel.cohorts[2];
    const all = JSON.parse(await cli(['milestones', '--as-of', asOf, '--json'])) as { accounts: { account_id: string; signup_day: string }[] };
    const first = all.accounts.find((a) => a.signup_day.startsWith(cohort.cohort))!.account_id;
    account = JSON.parse(await cli(['account', first, '--as-of', asOf, '--json']));
    review = JSON.parse(await cli(['review', '--as-of', asOf, '--format', 'json']));
    due = JSON.parse(await cli(['launch', 'due', '--at', asOf, '--json']));
    dueLater = JSON.parse(await cli(['launch', 'due', '--at', LATER, '--json']));
    contract = JSON.parse(await cli(['launch', 'report', LAUNCH, '--at', asOf, '--json', '--no-record']));
    // Unplanned events are quarantined from now on, so one can be replayed once the plan lists it.
    const plan = join(ws, 'tracking-plan.yaml');
    await writeFile(plan, (await readFile(plan, 'utf8')).replace(/^unplanned: flag$/m, 'unplanned: quarantine'));
    server = await spawnServer(ws);
    admin = (await readFile(join(ws, '.cairn', 'admin-token'), 'utf8')).trim();
    browser = await chromium.launch(CHROMIUM);
    page = await browser.newPage({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  });
  after(async () => {
    await browser?.close();
    killChildren();
    if (ws) await rm(join(ws, '..'), { recursive: true, force: true });
  });

  const api = async <T>(path: string): Promise<T> => {
    const r = await fetch(`${server.url}/api/v1${path}`, { headers: bearer(admin) });
    assert.equal(r.status, 200, path);
    return (await r.json()) as T;
  };
  /** Waits until the page has drawn (its h1 is there and nothing is loading). */
  // Waits for this page drawn, not just any: a key press or a link changes the route a moment
  // later, so the page before it may still be up. An account's title goes on to say when it churned.
  const drawn = async (title: string) => {
    const shows = (t: string) => {
      const h1 = document.querySelector<HTMLElement>('main:not([aria-busy]) h1')?.innerText;
      return h1 === t || !!h1?.startsWith(`${t} churned `);
    };
    await page.waitForFunction(shows, title, { timeout: 300_000 }).catch(async (err: Error) => {
      assert.fail(`${await page.locator('main h1').first().innerText().catch(() => 'no page')} is not ${title} (${err.message})`);
    });
  };
  // Every page shot also fits the window's width: nothing (a long line, a chart) pushes it sideways.
  const shot = async (name: string) => {
    const [scroll, width] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
    assert.ok(scroll <= width, `${name}: the page is ${scroll} px wide in a ${width} px window`);
    await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  };

  it('asks for a token, then judges as of the chosen day', async () => {
    await page.goto(`${server.url}/`);
    await drawn('Sign in to the dashboard');
    await shot('0-sign-in');
    await page.getByLabel('Token').fill(admin);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await drawn('Overview');
    await page.locator('#as-of').fill(asOf);
    await page.getByRole('button', { name: 'Apply' }).click();
    await waitFor(async () => (await page.locator('.lede').innerText()).includes(asOf), 'the overview as of the demo day');
  });

  it('Overview: stages, milestones, headline and cohorts equal the CLI funnel and the API', async () => {
    await drawn('Overview');
    const viaApi = await api<CliFunnel>(`/funnel?as_of=${asOf}&by=signup_month`);
    assert.deepEqual(viaApi.total, funnel.total);
    assert.equal(await page.locator('[data-figure=headline]').innerText(), shareText(funnel.total.headline));
    const milestones = await page.locator('table.milestones tbody tr').allInnerTexts();
    funnel.milestones.forEach((m, i) => assert.ok(milestones[i].includes(shareText(funnel.total.milestones[m].reached)), `${m}: ${milestones[i]}`));
    const cohortRows = page.locator('table.cohorts tbody tr');
    assert.equal(await cohortRows.count(), funnel.cohorts.length);
    for (const [i, c] of funnel.cohorts.entries()) {
      const cells = await cohortRows.nth(i).locator('th, td').allInnerTexts();
      assert.equal(cells[0], c.cohort);
      assert.equal(cells[1], c.accounts.toLocaleString('en'));
      assert.equal(cells[3].replace(/\s+/g, ' '), shareText(c.milestones[funnel.milestones[0]].reached));
    }
    await page.locator('details summary', { hasText: 'Stages as a table' }).click();
    const stages = await page.locator('table.stages tbody tr').allInnerTexts();
    funnel.stages.forEach((s, i) => assert.ok(stages[i].includes(shareText(funnel.total.stages[s.name])), s.name));
    assert.ok((await page.locator('.chart svg').count()) >= 2, 'charts drawn');
    await shot('1-overview');
  });

  it('Overview → a cohort → an account, whose page equals cairn account', async () => {
    await page.locator(`a[data-cohort="${cohort.cohort}"]`).click();
    await drawn('Accounts');
    assert.equal(new URL(page.url()).hash, `#/accounts?signup_month=${cohort.cohort}`);
    assert.equal(await page.locator('#total').getAttribute('data-total'), String(cohort.accounts));
    await shot('2-cohort-accounts');
    const first = page.locator('table.accounts tbody tr').first();
    assert.equal(await first.getAttribute('data-account'), account.account_id);
    await first.locator('th a').click();
    await drawn(account.account_id);
    const { timeline: _, activity, users_moved: __, as_of: ___, history, segment_history: segmentHistory, source: _s, framework_version: _v, ...status } = account;
    const viaApi = await api<{ status: Record<string, unknown>; activity: unknown; history: unknown }>(`/accounts/${account.account_id}?as_of=${asOf}`);
    assert.deepEqual(viaApi.status, status);
    assert.deepEqual(viaApi.activity, activity);
    // Its milestone history as cairn account shows it: every recorded change, newest first on the page.
    assert.deepEqual(viaApi.history, history);
    assert.ok(history.length > 0);
    const rows = page.locator('table.history tbody tr');
    assert.equal(await rows.count(), history.length);
    const newest = history[history.length - 1];
    const cells = await rows.first().locator('th, td').allInnerTexts();
    assert.deepEqual([cells[0], cells[2]], [newest.day, `v${newest.framework_version}`]);
    assert.equal(await page.locator('[data-field=stage]').innerText(), funnel.stages.find((s) => s.name === account.stage)!.label);
    if (account.next_best_step) assert.equal(await page.locator('[data-field=next-action]').innerText(), account.next_best_step.action);
    else assert.equal(await page.locator('[data-field=next-action]').count(), 0);
    assert.equal(await page.locator('section.milestone').count(), funnel.milestones.length);
    // The segments it entered and left, as cairn account lists them.
    assert.equal(await page.locator('table.segment-history tbody tr').count(), (segmentHistory as unknown[]).length);
    await shot('3-account');
    await page.locator('#history').screenshot({ path: join(ARTIFACTS, '3b-account-history.png') });
  });

  it('Accounts: a segment filter and its CSV export equal cairn segment', async () => {
    await page.goto(`${server.url}/#/accounts`);
    await drawn('Accounts');
    await page.getByLabel('Segment').selectOption('stuck_in_setup');
    await page.getByRole('button', { name: 'Filter' }).click();
    await waitFor(async () => new URL(page.url()).hash.includes('segment=stuck_in_setup') && (await page.locator('main:not([aria-busy]) #total').count()) > 0, 'the filtered list');
    const rows = segmentCsv.trim().split('\n').length - 1;
    assert.equal(await page.locator('#total').getAttribute('data-total'), String(rows));
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    assert.equal(download.suggestedFilename(), `stuck_in_setup-${asOf}.csv`);
    assert.equal(await readFile((await download.path())!, 'utf8'), segmentCsv);
    // Sorting by a header keeps the same accounts, reordered.
    await page.locator('a[data-sort=signup_day]').click();
    await waitFor(() => new URL(page.url()).hash.includes('sort=signup_day'), 'the sorted list');
    await drawn('Accounts');
    const days = await page.locator('table.accounts tbody tr td:nth-child(5)').allInnerTexts();
    assert.deepEqual(days, [...days].sort());
    await shot('4-accounts-segment');
  });

  it('Discovery shows the evidence cairn demo wrote', async () => {
    await page.goto(`${server.url}/#/discovery`);
    await drawn('Discovery');
    const evidence = JSON.parse(await readFile(join(ws, 'discovery', 'evidence.json'), 'utf8'));
    assert.equal(await page.locator('table.features tbody tr th').first().innerText(), evidence.features[0].key);
    const flagged = evidence.features.filter((f: { flags: string[] }) => f.flags.length > 0).length;
    assert.equal(await page.locator('table.flagged tbody tr').count(), flagged);
    // The proposal beside the framework in use, or why there is none.
    const proposed = await readFile(join(ws, 'discovery', 'proposed-milestones.yaml'), 'utf8').catch(() => null);
    const [shown, current] = await page.locator('pre').allInnerTexts();
    if (evidence.verdict.proposed.length) assert.equal(shown.trim(), proposed!.trim());
    else assert.equal(shown, `No proposal: ${evidence.verdict.statement}`);
    assert.match(current, /milestones:/);
    await shot('5-discovery');
  });

  it('Review: recommendations, lifts, drift and the proposed diff equal cairn review and the API', async () => {
    await page.goto(`${server.url}/#/review`);
    await drawn('Review');
    const viaApi = await api<FrameworkReview & { words: { actions: Record<string, string> } }>(`/review?as_of=${asOf}`);
    const { generated_at: _a, words: _w, ...apiFigures } = viaApi;
    const { generated_at: _b, ...cliFigures } = review;
    assert.deepEqual(apiFigures, cliFigures);
    assert.equal(await page.locator('[data-field=next-due]').innerText(), review.schedule.next_due);
    const rows = page.locator('table.recommendations tbody tr');
    assert.equal(await rows.count(), review.milestones.length);
    for (const [i, m] of review.milestones.entries()) {
      const cells = (await rows.nth(i).locator('th, td').allInnerTexts()).map((c) => c.trim());
      assert.deepEqual(cells, [m.label, viaApi.words.actions[m.milestone], fmt.iv(m.reference.lift), fmt.iv(m.recent.lift)]);
      const section = page.locator(`section[data-milestone="${m.milestone}"]`);
      assert.equal(await section.locator('[data-action]').getAttribute('data-action'), m.recommendation.action);
      // One row per judged cohort, then the reference and recent pools.
      assert.equal(await section.locator('table.lifts tbody tr').count(), m.cohorts.length + 2);
      assert.equal(await section.locator('table.drift tbody tr').count(), m.drift.length);
    }
    assert.ok((await page.locator('.chart svg').count()) >= review.milestones.length * 2, 'charts drawn');
    // The proposed diff, line for line, its additions and removals marked.
    if (review.proposal.diff) {
      const lines = review.proposal.diff.split('\n');
      assert.equal(await page.locator('pre.diff span.add').count(), lines.filter((l) => l.startsWith('+') && !l.startsWith('+++')).length);
      assert.equal(await page.locator('pre.diff span.del').count(), lines.filter((l) => l.startsWith('-') && !l.startsWith('---')).length);
    } else assert.match(await page.locator('#review-proposal').innerText(), /No change proposed/);
    // The summary's links take the keyboard to a milestone's section.
    await page.locator('table.recommendations a').first().focus();
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.activeElement?.id), `review-${review.milestones[0].milestone}`);
    await shot('6-review');
  });

  it('Launches: promises, checkpoints by horizon, verdicts and grades equal cairn launch due and the API; a launch equals cairn launch report', async () => {
    await page.goto(`${server.url}/#/launches`);
    await drawn('Launches');
    const viaApi = await api<LaunchesApi>(`/launches?as_of=${asOf}`);
    assert.equal(viaApi.launches.length, 3, 'the demo plants three launches');
    assert.deepEqual(
      viaApi.launches.map((l) => [l.launch, l.checkpoints, l.flags]),
      due.launches.map((l) => [l.launch, l.checkpoints, l.flags]),
    );
    assert.equal(await page.locator('[data-figure=due]').innerText(), String(due.due));
    assert.equal(await page.locator('[data-figure=overdue]').innerText(), String(due.overdue));
    // Commands in prose read as code, not as literal backticks.
    assert.equal(await page.locator('.lede code').first().innerText(), 'cairn launch report');
    assert.ok(!(await page.locator('.lede').innerText()).includes('`'));
    const rows = page.locator('table.launches tbody tr');
    assert.equal(await rows.count(), due.launches.length);
    for (const [i, l] of viaApi.launches.entries()) {
      const row = rows.nth(i);
      assert.equal(await row.locator('th a').innerText(), l.launch);
      assert.equal(await row.evaluate((r) => r.classList.contains('overdue')), l.overdue);
      // Each checkpoint in its horizon's column: the verdict and grade recorded, else where it stands.
      for (const c of l.horizons) {
        const cell = row.locator(`[data-horizon="${c.days}"]`);
        if (c.checkpoints.length === 0) assert.equal(await cell.getAttribute('data-status'), 'not_declared');
        for (const p of c.checkpoints) {
          const item = cell.locator(`[data-checkpoint="${p.days}"]`);
          assert.equal(await item.getAttribute('data-status'), p.status, `${l.launch} ${p.days}`);
          const verdict = item.locator('[data-verdict]');
          assert.equal((await verdict.count()) ? await verdict.getAttribute('data-verdict') : null, p.report?.verdict ?? null);
          if (p.report?.grade) assert.equal(await item.locator('[data-grade]').innerText(), p.report.grade);
        }
      }
    }
    // The launch with a real effect: every checkpoint passed was reported, and met.
    const planted = viaApi.launches.find((l) => l.launch === LAUNCH)!;
    const reported = planted.horizons.flatMap((c) => c.checkpoints).filter((p) => p.report);
    assert.ok(reported.length >= 2 && reported.every((p) => p.report!.verdict === 'met'), JSON.stringify(planted.horizons));
    await shot('7-launches');
    // Later, with no 12-month report: the launch is overdue, marked in its row and counted.
    await page.locator('#as-of').fill(LATER);
    await page.getByRole('button', { name: 'Apply' }).click();
    await waitFor(async () => (await page.locator('main:not([aria-busy]) .lede').innerText().catch(() => '')).includes(LATER), 'the launches later');
    assert.equal(await page.locator('[data-figure=overdue]').innerText(), String(dueLater.overdue));
    const late = dueLater.launches.findIndex((l) => l.launch === LAUNCH);
    assert.deepEqual(dueLater.launches[late].checkpoints.find((c) => c.days === 365)?.status, 'overdue');
    const lateRow = rows.nth(late);
    assert.ok(await lateRow.evaluate((r) => r.classList.contains('overdue')));
    assert.equal(await lateRow.locator('[data-checkpoint="365"]').getAttribute('data-status'), 'overdue');
    assert.match(await lateRow.locator('[data-checkpoint="365"]').innerText(), /overdue/);
    await shot('7a-launches-overdue');
    await page.locator('#as-of').fill(asOf);
    await page.getByRole('button', { name: 'Apply' }).click();
    await waitFor(async () => (await page.locator('main:not([aria-busy]) .lede').innerText().catch(() => '')).includes(asOf), 'the launches as of the demo day');

    await page.locator(`table.launches a[href="#/launch/${LAUNCH}"]`).click();
    await drawn(LAUNCH);
    // The report of the day, as `cairn launch report --json --no-record` gives it.
    assert.equal(await page.locator('#verdict [data-verdict]').getAttribute('data-verdict'), contract.verdict);
    const one = await api<{ report: { verdict: string; design: string; outcome: ReportContract['outcome'] & { grade: string } } }>(`/launches/${LAUNCH}?as_of=${asOf}`);
    assert.deepEqual([one.report.verdict, one.report.design, one.report.outcome.estimate, one.report.outcome.low, one.report.outcome.high], [contract.verdict, contract.design, contract.outcome.estimate, contract.outcome.low, contract.outcome.high]);
    assert.equal(await page.locator('#verdict [data-grade]').first().innerText(), one.report.outcome.grade);
    assert.equal(await page.locator('table.designs tbody tr').count(), 4);
    assert.equal(await page.locator('table.reports tbody tr').count(), reported.length);
    // The funnel's last week: exposed accounts and each stage's count.
    const week = planted.funnel!.weeks.at(-1)!;
    assert.match(await page.locator('table.funnel caption').innerText(), new RegExp(`: ${week.exposed.toLocaleString('en')} accounts exposed`));
    const funnelRows = await page.locator('table.funnel tbody tr').allInnerTexts();
    for (const [j, stage] of Object.keys(week.stages).entries()) assert.match(funnelRows[j], new RegExp(`^${stage}\\b.*\\t${week.stages[stage].count.toLocaleString('en')}\\t`));
    assert.ok((await page.locator('.chart svg').count()) >= 2, 'outcome and funnel charts drawn');
    await shot('7b-launch');
  });

  it('Data: figures equal cairn stats; a quarantined event is replayed from the page', async () => {
    const key = JSON.parse(await cli(['keys', 'create', 'web', '--json'])).key;
    await waitFor(async () => (await post(`${server.url}/v1/events`, [{ message_id: 'late-1', timestamp: `${asOf}T10:00:00Z`, account_id: 'acc_00001', action: 'exported', object: 'report' }], bearer(key))).status === 200, 'the write key');
    await waitFor(async () => (await api<{ stats: { quarantined: number } }>('/data')).stats.quarantined === stats.quarantined + 1, 'the event in quarantine');
    // The plan now lists it (the server reads the file again within a second).
    const plan = join(ws, 'tracking-plan.yaml');
    await writeFile(plan, (await readFile(plan, 'utf8')).replace(/^events:\n/m, 'events:\n  - action: exported\n    object: report\n'));
    await new Promise((r) => setTimeout(r, 2500));

    await page.goto(`${server.url}/#/data`);
    await drawn('Data');
    assert.equal(await page.locator('[data-figure=events]').innerText(), stats.events.toLocaleString('en'));
    assert.equal(await page.locator('[data-figure=quarantined]').innerText(), (stats.quarantined + 1).toLocaleString('en'));
    await shot('8-data');
    await page.locator('button[data-replay-reason=unplanned_event]').click();
    await waitFor(async () => /Replayed 1 of 1/.test(await page.locator('#replay-result').innerText()), 'the replay');
    await waitFor(async () => (await page.locator('main:not([aria-busy]) [data-figure=quarantined]').innerText().catch(() => '')) === stats.quarantined.toLocaleString('en'), 'the page drawn again');
    assert.equal(await page.locator('[data-figure=events]').innerText(), (stats.events + 1).toLocaleString('en'));
    await shot('9-data-replayed');
  });

  it('keyboard: number keys reach the pages, every control has a label, no console errors', async () => {
    await page.goto(`${server.url}/#/overview`);
    await drawn('Overview');
    await page.keyboard.press('2');
    await drawn('Accounts');
    const unlabelled = await page.evaluate(() =>
      [...document.querySelectorAll('input, select, button, progress')].filter((el) => {
        const e = el as HTMLInputElement;
        return !(e.labels?.length || e.getAttribute('aria-label') || (el.tagName === 'BUTTON' && el.textContent?.trim()));
      }).map((el) => el.outerHTML.slice(0, 80)),
    );
    assert.deepEqual(unlabelled, []);
    // The skip link comes first and takes the keyboard to the page's content.
    assert.equal(await page.evaluate(() => document.querySelector('a, button, input, select')?.textContent), 'Skip to content');
    await page.locator('a.skip').focus();
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'main');
    // Tab walks the controls in order, each showing where the keyboard is.
    await page.locator('a.skip').focus();
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement;
      return { text: el.textContent?.trim(), outline: getComputedStyle(el).outlineStyle };
    });
    assert.equal(focused.text, '1Overview');
    assert.notEqual(focused.outline, 'none');
    for (const [key, title] of [['1', 'Overview'], ['6', 'Data'], ['5', 'Launches'], ['4', 'Review'], ['2', 'Accounts']] as const) {
      await page.locator('main h1').focus();
      await page.keyboard.press(key);
      await drawn(title);
      assert.deepEqual(await lowContrast(page), [], `${title}: text with a contrast under 4.5:1`);
    }
    assert.deepEqual(problems, []);
  });
});

/**
 * Text whose colour has a contrast under 4.5:1 (WCAG AA) with the background behind it
 * (translucent backgrounds laid over white); chart text aside, which its tables repeat. As
 * text: the test runner names functions it compiles, which the page would not know.
 */
const LOW_CONTRAST = `(() => {
  const rgba = (c) => (c.match(/[\\d.]+/g) || ['0', '0', '0', '0']).map(Number);
  const channel = (v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
  const luminance = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const over = ([r, g, b, a], under) => [r * a + under[0] * (1 - a), g * a + under[1] * (1 - a), b * a + under[2] * (1 - a)];
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const [r, g, b, a = 1] = rgba(getComputedStyle(e).backgroundColor);
      if (a > 0) layers.push([r, g, b, a]);
      if (a === 1) break;
    }
    return layers.reverse().reduce((under, layer) => over(layer, under), [255, 255, 255]);
  };
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('svg, .sr') || !el.offsetParent) continue;
    if (![...el.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim())) continue;
    const [r, g, b, a = 1] = rgba(getComputedStyle(el).color);
    const bg = background(el);
    const [hi, lo] = [luminance(over([r, g, b, a], bg)), luminance(bg)].sort((x, y) => y - x);
    const ratio = (hi + 0.05) / (lo + 0.05);
    if (ratio < 4.5) out.push(el.tagName.toLowerCase() + '.' + el.className + ' "' + el.textContent.trim().slice(0, 30) + '": ' + ratio.toFixed(2));
  }
  return out;
})()`;

const lowContrast = (page: Page): Promise<string[]> => page.evaluate(LOW_CONTRAST);

describe('cairn demo', { timeout: 30 * 60_000 }, () => {
  after(killChildren);

  it('ends by serving the dashboard on loopback, without a token, until Ctrl-C', async () => {
    const dir = join(await tempDir(), 'demo');
    const child = spawn(process.execPath, [BIN, 'demo', '--dir', dir, '--accounts', '40', '--months', '6', '--no-discover'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...FROM_SOURCES } });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const url = await waitFor(() => /dashboard: (http:\/\/127\.0\.0\.1:\d+)\//.exec(out)?.[1], 'the dashboard URL', 20 * 60_000);
    assert.match(out, /no token needed/);
    assert.match(await (await fetch(`${url}/`)).text(), /<script type="module" src="\/assets\/dashboard.js">/);
    const workspace = (await (await fetch(`${url}/api/v1/workspace`)).json()) as { role: string; as_of: string };
    assert.deepEqual([workspace.role, workspace.as_of], ['admin', '2026-10-31']);
    child.kill('SIGINT');
    assert.equal(await exited, 0);
  });
});
