/**
 * The JSON API under /api/v1 on every engine, through fastify's inject (no port): who may
 * read and act, a 400 naming the parameter for every bad one, no parameter ever in SQL text,
 * and figures equal to what the features compute (and so to what the CLI prints).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { after, before, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Collector, WriteKeys } from '../../src/collect/index.js';
import { initWorkspace, loadLaunch, loadWorkspace, parseTrackingPlan, type Workspace } from '../../src/config/index.js';
import { computeFunnel, computeMilestones, markStatusesStale, milestoneHistory, milestonesCsv, refreshSegments, refreshStatuses, segmentHistory, segmentMembers, STATUS_STALE_CHECKPOINT } from '../../src/milestones/index.js';
import type { QuarantineEntry } from '../../src/model/index.js';
import { buildOutcomeReport, launchesDue, launchesPage, launchLedger, syncDeclaration } from '../../src/outcomes/index.js';
import { actionWords, reviewFramework } from '../../src/review/index.js';
import { buildApp } from '../../src/server/index.js';
import { NO_WRITE, SqlFragment, sql, type Store } from '../../src/store/index.js';
import { describeEngines } from '../engines.js';
import { at, ev } from '../fixtures.js';
import { waitFor } from '../collect/http/helpers.js';

const AS_OF = '2025-06-30';
const ADMIN = 'adm1n-T0ken-for-the-api-tests-0123456789';
/** Text no request may ever put into SQL text: only into bound values. */
const MARK = "zq'\"; DROP TABLE events; --";

const steps = [
  ['installed', 'messenger'],
  ['invited', 'teammate'],
  ['connected', 'email_channel'],
  ['set', 'office_hours'],
  ['created', 'team_inbox'],
];
const setup = (account: string, day: string, n = 5) => steps.slice(0, n).map(([action, object]) => ev(account, day, action, object));
const closed = (account: string, day: string, count: number) => ev(account, day, 'closed', 'conversation', { count });

/** The collector's quarantine entry for an event the plan did not list when it arrived. */
const unplanned = (id: string): QuarantineEntry => ({
  kind: 'event',
  source: 'web',
  file: null,
  line: null,
  reason: 'unplanned_event',
  field: null,
  message: 'exported report is not in the tracking plan',
  payload: JSON.stringify({ message_id: id, timestamp: '2025-06-01T12:00:00Z', account_id: 'acc_b', action: 'exported', object: 'report' }),
  receivedAt: at('2025-06-01'),
});

/** Every statement text the store is asked to run, checked for MARK as the features build it. */
function watched(store: Store, seen: string[]): Store {
  const check = (f: SqlFragment) => {
    for (const part of f.parts) if ('text' in part) seen.push(part.text);
  };
  return new Proxy(store, {
    get(target, key) {
      if (key === 'query' || key === 'queryColumns' || key === 'execute') {
        return (f: SqlFragment) => (check(f), (target[key] as (f: SqlFragment) => Promise<unknown>).call(target, f));
      }
      const v = target[key as keyof Store];
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

describeEngines('the API /api/v1', (engine) => {
  let store: Store;
  let ws: Workspace;
  let app: FastifyInstance;
  let open: FastifyInstance;
  let keys: WriteKeys;
  let dashboard: string;
  const statements: string[] = [];
  // after() inside before() would run when before() ends: clean up from here instead.
  const cleanup: (() => Promise<unknown>)[] = [];
  after(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  before(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cairn-api-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    await initWorkspace(dir, { template: 'helpdesk' });
    ws = await loadWorkspace(dir);
    store = await engine.open();
    await store.upsertAccounts([
      { accountId: 'acc_a', name: 'A', createdAt: at('2025-01-05', 9), plan: 'pro', seats: 2, churnedAt: null },
      { accountId: 'acc_b', name: 'B', createdAt: at('2025-02-10', 9), plan: 'starter', seats: 1, churnedAt: null },
      { accountId: 'acc_c', name: 'C', createdAt: at('2025-02-20', 9), plan: 'pro', seats: 1, churnedAt: at('2025-06-01') },
      { accountId: 'acc_d', name: 'D', createdAt: at('2025-03-01', 9), plan: 'starter', seats: 3, churnedAt: null },
    ]);
    await store.insertEvents([...setup('acc_a', '2025-01-10'), closed('acc_a', '2025-02-01', 25), ...setup('acc_b', '2025-02-12', 2), ...setup('acc_c', '2025-03-01'), closed('acc_c', '2025-06-20', 3)], 'web');
    await store.addToQuarantine([unplanned('q1'), unplanned('q2')]);
    // Statuses materialized as of the API's default day, with their history backfilled.
    await refreshStatuses(store, ws.milestones, { asOf: AS_OF });
    await refreshSegments(store, ws.milestones);
    keys = await WriteKeys.open(dir);
    dashboard = await keys.create('cs-team', { dashboard: true });
    // The plan now lists what was quarantined, as after someone fixed tracking-plan.yaml.
    const plan = parseTrackingPlan('unplanned: quarantine\nevents:\n  - { action: exported, object: report }\n');
    const collector = await Collector.open({ store, plan, walDir: join(dir, '.cairn', 'wal') });
    cleanup.push(() => collector.close());
    const build = async (withoutToken: 'read' | null) =>
      buildApp({
        store: watched(store, statements),
        collector,
        keys,
        adminToken: ADMIN,
        rateLimit: 1000,
        onInternalError: (err) => assert.fail(err as Error),
        api: { workspace: () => ws, keys, defaultAsOf: () => AS_OF, withoutToken, version: 'test' },
      });
    app = await build(null);
    open = await build('read');
    cleanup.push(() => Promise.all([app.close(), open.close()]));
  });

  const get = async (url: string, token: string | null = ADMIN, headers: Record<string, string> = {}) => {
    const r = await app.inject({ method: 'GET', url, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers } });
    return { status: r.statusCode, body: r.headers['content-type']?.toString().startsWith('application/json') ? r.json() : r.body, headers: r.headers };
  };
  const replay = (body: unknown, token: string | null = ADMIN, contentType = 'application/json') =>
    app.inject({ method: 'POST', url: '/api/v1/data/quarantine/replay', headers: { 'content-type': contentType, ...(token ? { authorization: `Bearer ${token}` } : {}) }, payload: typeof body === 'string' ? body : JSON.stringify(body) });

  it('needs the admin token or a dashboard token; a dashboard token reads only; other origins are refused', async () => {
    assert.equal((await get('/api/v1/funnel', null)).status, 401);
    const wrong = await get('/api/v1/funnel', 'cairnd_notatoken');
    assert.equal(wrong.status, 401);
    assert.match(wrong.body.error, /unknown or revoked token/);
    assert.equal((await get('/api/v1/funnel', dashboard)).status, 200);
    assert.equal((await get('/api/v1/workspace', dashboard)).body.role, 'read');
    assert.equal((await get('/api/v1/workspace')).body.role, 'admin');
    assert.equal((await get('/api/v1/data/quarantine', dashboard)).status, 403);
    const refused = await replay({ dry_run: true }, dashboard);
    assert.equal(refused.statusCode, 403);
    assert.match(refused.json().error, /admin token/);
    // A write key is not a dashboard token, nor the other way round.
    const write = await keys.create('web');
    assert.equal((await get('/api/v1/funnel', write)).status, 401);
    assert.equal(keys.verify(dashboard), null);
    const evil = await get('/api/v1/funnel', ADMIN, { origin: 'https://evil.example' });
    assert.equal(evil.status, 403);
    assert.equal(evil.headers['access-control-allow-origin'], undefined);
    // The document that describes the API holds no data and needs no token.
    const doc = await get('/api/v1/openapi.json', null);
    assert.equal(doc.status, 200);
    assert.equal(doc.body.openapi, '3.1.0');
    assert.deepEqual(doc.body.paths['/api/v1/data/quarantine/replay'].post.security, [{ adminToken: [] }]);
    // Every endpoint the document lists, but the two that hold no data, asks for a token.
    for (const [path, methods] of Object.entries(doc.body.paths as Record<string, Record<string, unknown>>)) {
      if (['/api/v1/openapi.json', '/api/v1/access'].includes(path)) continue;
      for (const method of Object.keys(methods)) {
        const r = await app.inject({ method: method.toUpperCase() as 'GET' | 'POST', url: path.replace('{id}', 'acc_a'), headers: { 'content-type': 'application/json' }, payload: method === 'post' ? '{}' : undefined });
        assert.equal(r.statusCode, 401, `${method} ${path}`);
      }
    }
    // Revoked: refused once the keys are read again.
    await keys.revoke('cs-team');
    assert.equal((await get('/api/v1/funnel', dashboard)).status, 401);
    dashboard = await keys.create('cs-team-2', { dashboard: true });
  });

  it('without a token where the server allows it: loopback Host only, and reading only', async () => {
    const asked = (host: string, method: 'GET' | 'POST' = 'GET') =>
      open.inject({ method, url: method === 'GET' ? '/api/v1/funnel' : '/api/v1/data/quarantine/replay', headers: { host, 'content-type': 'application/json' }, payload: method === 'POST' ? '{}' : undefined });
    assert.equal((await asked('127.0.0.1:4318')).statusCode, 200);
    assert.equal((await asked('localhost:4318')).statusCode, 200);
    // A page that rebinds its own name to 127.0.0.1 still sends its own Host.
    assert.equal((await asked('attacker.example:4318')).statusCode, 401);
    assert.equal((await asked('127.0.0.1:4318', 'POST')).statusCode, 403);
    // The dashboard asks first whether it needs a token, so it shows no 401.
    const access = async (server: FastifyInstance, host: string) => (await server.inject({ url: '/api/v1/access', headers: { host } })).json().token_needed;
    assert.deepEqual([await access(open, '127.0.0.1:4318'), await access(open, 'attacker.example'), await access(app, '127.0.0.1:4318')], [false, true, true]);
  });

  it('refuses every bad parameter with a 400 that names it and says why', async () => {
    const cases: [string, string, RegExp][] = [
      ['/api/v1/funnel?as_of=2025-02-30', 'as_of', /expected a day YYYY-MM-DD that exists, got "2025-02-30"/],
      ['/api/v1/funnel?as_of=yesterday', 'as_of', /YYYY-MM-DD/],
      ['/api/v1/funnel?by=week', 'by', /expected all, signup_month or plan, got "week"/],
      ['/api/v1/funnel?bye=plan', 'bye', /unknown query parameter bye; known: as_of, by/],
      ['/api/v1/accounts?limit=0', 'limit', /from 1 to 1000, got "0"/],
      ['/api/v1/accounts?limit=abc', 'limit', /whole number/],
      ['/api/v1/accounts?limit=1001', 'limit', /from 1 to 1000/],
      ['/api/v1/accounts?offset=-1', 'offset', /whole number/],
      ['/api/v1/accounts?limit=1&limit=2', 'limit', /got \["1","2"\]/],
      ['/api/v1/accounts?sort=mrr', 'sort', /no sort key "mrr"; sort keys: account_id, .*, setup, activation/],
      ['/api/v1/accounts?order=up', 'order', /expected asc or desc/],
      ['/api/v1/accounts?stage=happy', 'stage', /no stage "happy"; stages: signed_up, set_up/],
      ['/api/v1/accounts?milestone=onboarding&reached=true', 'milestone', /no milestone "onboarding"/],
      ['/api/v1/accounts?milestone=setup', 'reached', /milestone needs it/],
      ['/api/v1/accounts?reached=true', 'milestone', /reached needs it/],
      ['/api/v1/accounts?milestone=setup&reached=yes', 'reached', /expected true or false/],
      ['/api/v1/accounts?signup_month=2025-13', 'signup_month', /expected a month YYYY-MM/],
      ['/api/v1/accounts?segment=vips', 'segment', /no segment "vips"; segments: stuck_in_setup/],
      ['/api/v1/accounts?where=stage%20%3D%3D%20x', 'where', /unknown operator '=='/],
      ['/api/v1/accounts?where=mrr%20%3E%205', 'where', /mrr/],
      ['/api/v1/accounts?churned=maybe', 'churned', /expected true or false/],
      ['/api/v1/accounts?format=xml', 'format', /expected json or csv/],
      [`/api/v1/accounts/${'x'.repeat(257)}`, 'id', /at most 256 characters/],
      ['/api/v1/accounts/acc_a?as_of=2025-6-1', 'as_of', /YYYY-MM-DD/],
      ['/api/v1/segments?as_of=2025-02-29', 'as_of', /exists/],
      ['/api/v1/data?days=0', 'days', /from 1 to 731/],
      ['/api/v1/data/quarantine?limit=5000', 'limit', /from 1 to 1000/],
      ['/api/v1/discovery?x=1', 'x', /it takes none/],
      ['/api/v1/review?cohorts=week', 'cohorts', /expected quarter or month/],
      ['/api/v1/review?recent=0', 'recent', /from 1 to 1000/],
      ['/api/v1/review?seed=-3', 'seed', /whole number/],
      ['/api/v1/review?as_of=2025-13-01', 'as_of', /YYYY-MM-DD/],
      ['/api/v1/launches?as_of=2025-02-30', 'as_of', /exists/],
      ['/api/v1/launches?at=2025-06-01', 'at', /unknown query parameter at; known: as_of/],
      ['/api/v1/launches/Reply-Suggestions', 'name', /expected a launch name: lowercase letters, digits and underscores/],
      [`/api/v1/launches/${'x'.repeat(101)}`, 'name', /expected a launch name/],
      ['/api/v1/launches/helper?as_of=2025-6-1', 'as_of', /YYYY-MM-DD/],
    ];
    for (const [url, parameter, why] of cases) {
      const r = await get(url);
      assert.equal(r.status, 400, url);
      assert.equal(r.body.parameter, parameter, url);
      assert.match(r.body.error, new RegExp(`(invalid|unknown) (query|path) parameter ${parameter}`), url);
      assert.match(r.body.error, why, url);
    }
    const bodies: [string, string, RegExp][] = [
      ['{"dry_run": "yes"}', 'dry_run', /invalid body field dry_run: expected true or false, got "yes"/],
      ['{"ids": "1"}', 'ids', /expected an array of entry ids/],
      ['{"ids": [0]}', 'ids.0', /invalid body field ids.0/],
      ['{"force": true}', 'force', /unknown body field force; known: ids, reason, source, dry_run/],
      ['{"ids": [1', '(body)', /not JSON/],
    ];
    for (const [body, parameter, why] of bodies) {
      const r = await replay(body);
      assert.equal(r.statusCode, 400, body);
      assert.equal(r.json().parameter, parameter, body);
      assert.match(r.json().error, why, body);
    }
    // A form or text body (what a page of another site can send without asking) is not read.
    assert.equal((await replay('dry_run=true', ADMIN, 'application/x-www-form-urlencoded')).statusCode, 415);
  });

  it('never puts a parameter into SQL text, only into bound values', async () => {
    statements.length = 0;
    const m = encodeURIComponent(MARK);
    for (const url of [
      `/api/v1/accounts?q=${m}`,
      `/api/v1/accounts?plan=${m}`,
      `/api/v1/accounts?where=${encodeURIComponent(`plan = '${MARK.replace(/'/g, "\\'")}'`)}`,
      `/api/v1/accounts/${m}`,
      `/api/v1/accounts?plan=${m}&sort=setup`,
      `/api/v1/accounts?q=${m}&sort=last_active_day&order=desc`,
      `/api/v1/accounts?segment=stuck_in_setup&q=${m}`,
      `/api/v1/data/quarantine?reason=${m}&source=${m}`,
    ]) {
      const r = await get(url);
      assert.ok([200, 404].includes(r.status), `${url}: ${JSON.stringify(r.body)}`);
    }
    assert.equal((await replay({ reason: MARK, source: MARK, dry_run: true })).statusCode, 200);
    assert.ok(statements.length > 10, 'the requests ran statements');
    assert.deepEqual(
      statements.filter((s) => s.includes('zq') || s.includes('DROP TABLE events')),
      [],
    );
    assert.equal((await get(`/api/v1/accounts?plan=${m}`)).body.total, 0);
    const [{ n }] = await store.query<{ n: string }>(sql`SELECT count(*) AS n FROM events`);
    assert.equal(Number(n), 14);
  });

  it('serves the funnel, accounts, one account and segments from the materialized statuses, as the features compute them', async () => {
    const fw = ws.milestones;
    statements.length = 0;
    const funnel = (await get(`/api/v1/funnel?by=plan`)).body;
    assert.deepEqual([funnel.source, funnel.framework_version, typeof funnel.refreshed_at], ['materialized', 1, 'string']);
    // Read, not computed: no statement reads the events or their daily rollup.
    assert.ok(statements.some((t) => t.includes('account_status')));
    assert.deepEqual(statements.filter((t) => /account_activity|\bevents\b/.test(t)), []);
    // Computed once per refresh: asked again, the statuses are not read again.
    statements.length = 0;
    assert.deepEqual((await get(`/api/v1/funnel?by=plan`)).body, funnel);
    assert.deepEqual(statements.filter((t) => t.includes('account_status')), []);
    // After the next refresh, the first ask gets this funnel (saying so) while the new one is read.
    await refreshStatuses(store, fw, { asOf: AS_OF });
    statements.length = 0;
    assert.deepEqual((await get(`/api/v1/funnel?by=plan`)).body, funnel);
    const again = await waitFor(async () => {
      const b = (await get(`/api/v1/funnel?by=plan`)).body;
      return b.refreshed_at !== funnel.refreshed_at && b;
    }, 'the funnel of the new refresh');
    assert.ok(statements.some((t) => t.includes('account_status')));
    assert.deepEqual(stripSource(again), stripSource(funnel));
    assert.deepEqual(stripSource(funnel), json(await computeFunnel(store, fw, AS_OF, 'plan')));
    // Another day than the statuses': computed now, and said so.
    const earlier = (await get(`/api/v1/funnel?as_of=2025-03-31&by=signup_month`)).body;
    assert.deepEqual([earlier.source, earlier.framework_version, earlier.refreshed_at], ['computed', null, null]);
    assert.deepEqual(stripSource(earlier), json(await computeFunnel(store, fw, '2025-03-31', 'signup_month')));
    const earlierAccounts = (await get('/api/v1/accounts?as_of=2025-03-31')).body;
    assert.equal(earlierAccounts.source, 'computed');
    assert.deepEqual(earlierAccounts.accounts.map(({ last_active_day: _, ...a }: { last_active_day: unknown }) => a), json((await computeMilestones(store, fw, '2025-03-31')).accounts));

    const report = await computeMilestones(store, fw, AS_OF);
    const all = (await get('/api/v1/accounts')).body;
    assert.deepEqual([all.source, all.framework_version], ['materialized', 1]);
    assert.equal(all.total, 4);
    assert.deepEqual(
      all.accounts.map((a: { account_id: string; stage: string; last_active_day: string | null }) => [a.account_id, a.stage, a.last_active_day]),
      [
        ['acc_a', 'activated', '2025-02-01'],
        ['acc_b', 'signed_up', '2025-02-12'],
        ['acc_c', 'set_up', '2025-06-20'],
        ['acc_d', 'signed_up', null],
      ],
    );
    assert.deepEqual(
      all.accounts.map(({ last_active_day: _, ...a }: { last_active_day: unknown }) => a),
      json(report.accounts),
    );
    const ids = async (query: string) => (await get(`/api/v1/accounts?${query}`)).body.accounts.map((a: { account_id: string }) => a.account_id);
    assert.deepEqual(await ids('stage=signed_up'), ['acc_b', 'acc_d']);
    assert.deepEqual(await ids('milestone=setup&reached=true'), ['acc_a', 'acc_c']);
    assert.deepEqual(await ids('milestone=activation&reached=false&churned=false'), ['acc_b', 'acc_d']);
    assert.deepEqual(await ids('plan=pro&signup_month=2025-02'), ['acc_c']);
    assert.deepEqual(await ids('q=_c'), ['acc_c']);
    assert.deepEqual(await ids(`where=${encodeURIComponent('seats >= 2')}`), ['acc_a', 'acc_d']);
    assert.deepEqual(await ids('sort=signup_day&order=desc'), ['acc_d', 'acc_c', 'acc_b', 'acc_a']);
    assert.deepEqual(await ids('sort=stage&order=desc'), ['acc_a', 'acc_c', 'acc_b', 'acc_d']);
    assert.deepEqual(await ids('sort=last_active_day'), ['acc_a', 'acc_b', 'acc_c', 'acc_d']);
    assert.deepEqual(await ids('sort=last_active_day&order=desc'), ['acc_c', 'acc_b', 'acc_a', 'acc_d']);
    assert.deepEqual(await ids('sort=setup&order=desc'), ['acc_a', 'acc_c', 'acc_b', 'acc_d']);
    // A page read without details gets them for its own rows.
    const page = (await get('/api/v1/accounts?sort=signup_day&limit=2&offset=1')).body;
    assert.deepEqual(page.accounts.map(({ last_active_day: _, ...a }: { last_active_day: unknown }) => a), json(report.accounts.slice(1, 3)));
    // Pages split the sorted list without overlap; total counts all of it.
    const pages = [await get('/api/v1/accounts?sort=seats&limit=3'), await get('/api/v1/accounts?sort=seats&limit=3&offset=3')];
    assert.deepEqual(pages.map((p) => p.body.total), [4, 4]);
    assert.deepEqual(pages.flatMap((p) => p.body.accounts.map((a: { account_id: string }) => a.account_id)), ['acc_b', 'acc_c', 'acc_a', 'acc_d']);

    // The segment's CSV is `cairn segment NAME --format csv`: the same writer over the same members.
    const members = await segmentMembers(store, fw, 'stuck_in_setup', report);
    assert.deepEqual(members.map((a) => a.account_id), ['acc_b', 'acc_d']);
    const csv = await get('/api/v1/accounts?segment=stuck_in_setup&format=csv&limit=1');
    assert.equal(csv.status, 200);
    assert.match(String(csv.headers['content-type']), /^text\/csv/);
    assert.equal(csv.headers['content-disposition'], `attachment; filename="stuck_in_setup-${AS_OF}.csv"`);
    assert.equal(csv.body, milestonesCsv(members, Object.keys(fw.milestones)));

    const segments = (await get('/api/v1/segments')).body;
    assert.equal(segments.source, 'materialized');
    assert.deepEqual(segments.segments, [
      { name: 'stuck_in_setup', expression: fw.segments.stuck_in_setup, accounts: 2 },
      { name: 'activated_underutilised', expression: fw.segments.activated_underutilised, accounts: 1 },
    ]);

    const one = (await get('/api/v1/accounts/acc_a')).body;
    assert.equal(one.source, 'materialized');
    assert.deepEqual(one.status, json(report.accounts[0]));
    // Its milestone history: what the refresh recorded (backfilled: as if refreshed day by day).
    assert.deepEqual(one.history, json(await milestoneHistory(store, 'acc_a')));
    assert.deepEqual(
      one.history.map((c: { day: string; kind: string; name: string; change: string; cause: string }) => `${c.day} ${c.kind} ${c.name} ${c.change} ${c.cause}`),
      ['2025-01-10 milestone setup reached backfill', '2025-01-10 stage set_up reached backfill', '2025-02-01 milestone activation reached backfill', '2025-02-01 stage activated reached backfill'],
    );
    // Up to the day asked about.
    assert.deepEqual((await get('/api/v1/accounts/acc_a?as_of=2025-01-20')).body.history.length, 2);
    assert.equal(one.status.next_best_step.milestone, 'utilization');
    // In the framework's words: the milestone's label from milestones.yaml.
    assert.deepEqual(one.timeline.map((t: { day: string; what: string }) => `${t.day} ${t.what}`).slice(0, 2), ['2025-01-05 signed up', '2025-01-10 Set up: Install the Messenger']);
    // The segments it entered and left, as the feed recorded them.
    assert.deepEqual(one.segment_history, json(await segmentHistory(store, 'acc_a')));
    assert.deepEqual(one.segment_history.map((c: { segment: string; change: string }) => `${c.segment} ${c.change}`), ['activated_underutilised entered']);
    assert.deepEqual(one.activity, [
      { month: '2025-01', events: 5 },
      { month: '2025-02', events: 25 },
    ]);
    assert.equal(one.events.length, 6);
    assert.deepEqual(one.events[0], { timestamp: '2025-02-01T12:00:00.000Z', action: 'closed', object: 'conversation', place: null, user_id: 'acc_a_u', source: 'web', count: 25 });
    const missing = await get('/api/v1/accounts/acc_zz');
    assert.equal(missing.status, 404);
    assert.match(missing.body.error, /no account "acc_zz" signed up by 2025-06-30/);
    assert.equal((await get('/api/v1/accounts/acc_d?as_of=2025-02-01')).status, 404);
  });

  it('pages of the materialized statuses, sorted and counted on their keys, equal the pages computed now, for every sort and filter', async () => {
    const urls: string[] = [];
    for (const sort of ['account_id', 'stage', 'plan', 'seats', 'signup_day', 'age_days', 'last_active_day', 'next_milestone', 'setup', 'activation']) {
      for (const order of ['asc', 'desc']) urls.push(`/api/v1/accounts?sort=${sort}&order=${order}&limit=2&offset=1`);
    }
    for (const filter of ['stage=signed_up', 'plan=pro', 'signup_month=2025-02', 'churned=true', 'churned=false', 'q=c', 'milestone=setup&reached=false', 'milestone=activation&reached=true&plan=pro']) {
      urls.push(`/api/v1/accounts?${filter}&sort=seats&order=desc`);
    }
    // Segments and expressions are SQL conditions on the statuses, a segment and an expression together too.
    const where = (e: string) => `where=${encodeURIComponent(e)}`;
    for (const filter of [
      'segment=stuck_in_setup',
      'segment=activated_underutilised&sort=last_active_day',
      where('seats >= 2'),
      where('days_since_last_event > 30 or days_since_last_event is null'),
      where('milestones.setup.reached and milestones.setup.days_to_reach < 40'),
      `${where("plan = 'pro'")}&sort=activation&order=desc`,
      `${where('milestones.activation.progress < 0.5')}&sort=stage&q=_`,
      `segment=stuck_in_setup&${where('seats >= 1')}&sort=signup_day`,
    ]) {
      urls.push(`/api/v1/accounts?${filter}`);
    }
    statements.length = 0;
    const stored = [];
    for (const url of urls) stored.push((await get(url)).body);
    assert.ok(stored.every((b) => b.source === 'materialized'));
    // One read of whole rows per request, its page's: the rest read ids and sort keys.
    assert.equal(statements.filter((t) => t.includes('next_action, next_reason')).length, urls.length);
    await markStatusesStale(store);
    try {
      for (const [i, url] of urls.entries()) {
        const computed = (await get(url)).body;
        assert.equal(computed.source, 'computed');
        assert.deepEqual(stripSource(stored[i]), stripSource(computed), url);
      }
    } finally {
      await store.applyCollected({ ...NO_WRITE, checkpoint: { name: STATUS_STALE_CHECKPOINT, value: 0 } });
    }
  });

  it('serves the framework review as cairn review makes it, in its words, kept until the next refresh', async () => {
    const fw = ws.milestones;
    const r = (await get('/api/v1/review?cohorts=month&seed=3', dashboard)).body;
    const direct = await reviewFramework(store, {
      framework: fw,
      fileText: await readFile(ws.files.milestones, 'utf8'),
      config: { retention: ws.config.retention, review: { ...ws.config.review, cohorts: 'month' } },
      asOf: AS_OF,
      seed: 3,
    });
    const { generated_at: _g, words, ...figures } = r;
    const { generated_at: _d, ...expected } = json(direct);
    assert.deepEqual(figures, expected);
    assert.deepEqual(words.actions, Object.fromEntries(direct.milestones.map((m) => [m.milestone, actionWords(m.recommendation)])));
    assert.match(words.framework, /^framework version 1 /);
    // Kept: asked again, the same review (the same moment it was made); after a refresh, this one
    // answers first while the next is made.
    assert.equal((await get('/api/v1/review?cohorts=month&seed=3')).body.generated_at, r.generated_at);
    await refreshStatuses(store, fw, { asOf: AS_OF });
    assert.equal((await get('/api/v1/review?cohorts=month&seed=3')).body.generated_at, r.generated_at);
    await waitFor(async () => (await get('/api/v1/review?cohorts=month&seed=3')).body.generated_at !== r.generated_at, 'the review of the new refresh');
    // Another seed is another review, made at once.
    assert.notEqual((await get('/api/v1/review?cohorts=month&seed=4')).body.generated_at, r.generated_at);
  });

  it('serves launches as cairn launch due and report make them: the promise, checkpoints by horizon, verdicts and grades recorded, the report of the day unrecorded', async () => {
    const dir = join(ws.dir, 'launches');
    await mkdir(dir, { recursive: true });
    const file = join(dir, 'helper.yaml');
    await writeFile(
      file,
      `problem: Agents repeat the same answers
owner: ana
size: big
launched_at: 2025-02-01
checkpoints: [30, 120]
outcome:
  metric: { kind: milestone, name: activation, within_days: 90 }
  direction: increase
  target: { absolute: 0.1 }
  rationale: Answers come faster
events:
  activation: [{ action: closed, object: conversation }]
`,
    );
    const launch = await loadLaunch(file, { milestones: Object.keys(ws.milestones.milestones) });
    // Declared before launch; the 30-day report made and recorded on its day; the 120-day one never.
    await syncDeclaration(store, launch, Date.parse('2025-01-20T09:00:00Z'));
    const recorded = await buildOutcomeReport(store, ws, launch, { at: '2025-03-05', now: Date.parse('2025-03-05T09:00:00Z'), record: true });

    const list = await get('/api/v1/launches', dashboard);
    assert.equal(list.status, 200);
    assert.deepEqual(list.body, json({ as_of: AS_OF, ...(await launchesPage(store, ws, [launch], { today: AS_OF })) }));
    // The checkpoints, flags and totals are those of `cairn launch due`.
    const due = await launchesDue(store, ws, [launch], { today: AS_OF });
    const [l] = list.body.launches;
    assert.deepEqual([list.body.due, list.body.overdue, l.checkpoints, l.flags], json([due.due, due.overdue, due.launches[0].checkpoints, due.launches[0].flags]));
    assert.deepEqual(l.promised, { metric: { kind: 'milestone', name: 'activation', within_days: 90 }, label: 'reached activation within 90 days', scale: 'proportion', direction: 'increase', target: { absolute: 0.1 }, rationale: 'Answers come faster' });
    assert.equal(l.pre_registered, true);
    assert.equal(l.overdue, true);
    // 1 month: the 30-day report, its verdict and grade; 3 months: the 120-day checkpoint, overdue; none later.
    const cells = l.horizons.map((c: { days: number; checkpoints: { days: number; status: string; report: { verdict: string; grade: string | null } | null }[] }) => [
      c.days,
      c.checkpoints.map((p) => [p.days, p.status, p.report && [p.report.verdict, p.report.grade]]),
    ]);
    assert.deepEqual(cells, [
      [30, [[30, 'reported', [recorded.verdict, recorded.outcome!.grade]]]],
      [90, [[120, 'overdue', null]]],
      [180, []],
      [365, []],
    ]);
    assert.deepEqual(l.reports.map((r: { at: string; estimate: number | null; low: number | null; high: number | null }) => [r.at, r.estimate, r.low, r.high]), json([['2025-03-05', recorded.outcome!.estimate, recorded.outcome!.low, recorded.outcome!.high]]));

    const one = await get('/api/v1/launches/helper?as_of=2025-06-30');
    assert.equal(one.status, 200);
    // Its funnel (measured once, by the report) is the list's.
    assert.ok(l.funnel?.weeks.length > 0, 'the launch has a funnel');
    assert.deepEqual(one.body.launch, l);
    assert.deepEqual(one.body.ledger, json(await launchLedger(store, 'helper')));
    // The report of the page's day is `cairn launch report helper --no-record`: made, not recorded.
    const { generated_at: _g, ...report } = one.body.report;
    const { generated_at: _d, ...direct } = json(await buildOutcomeReport(store, ws, launch, { at: AS_OF }));
    assert.deepEqual(report, direct);
    assert.equal(one.body.ledger.reports.length, 1);
    assert.deepEqual((await get('/api/v1/launches/helper?as_of=2025-06-30')).body.ledger.reports.length, 1);

    const missing = await get('/api/v1/launches/nothing_here');
    assert.equal(missing.status, 404);
    assert.match(missing.body.error, /no launch "nothing_here": launches\/nothing_here.yaml does not exist/);
    // A launch file that does not load: 409 naming the file and the line; the others still read one by one.
    await writeFile(join(dir, 'broken.yaml'), 'problem: x\nowner: bo\nsize: huge\n');
    const broken = await get('/api/v1/launches');
    assert.equal(broken.status, 409);
    assert.match(broken.body.error, /broken\.yaml:3/);
    assert.equal((await get('/api/v1/launches/helper')).status, 200);
    await rm(join(dir, 'broken.yaml'));
    await rm(file);
    assert.deepEqual((await get('/api/v1/launches')).body.launches, []);
  });

  it('serves data quality, and replays quarantine with the admin token', async () => {
    const data = (await get('/api/v1/data?days=200')).body;
    assert.equal(data.stats.events, 14);
    assert.equal(data.stats.quarantine_by_reason.unplanned_event, 2);
    assert.deepEqual(
      data.events_per_day.map((d: { day: string; source: string; events: number }) => `${d.day} ${d.source} ${d.events}`),
      ['2025-01-10 web 5', '2025-02-01 web 1', '2025-02-12 web 2', '2025-03-01 web 5', '2025-06-20 web 1'],
    );
    // Coverage of the plan the collector holds now, which lists only exported report.
    assert.deepEqual(data.coverage.planned.map((p: { action: string; events: number }) => [p.action, p.events]), [['exported', 0]]);
    assert.deepEqual(data.coverage.unplanned[0], { action: 'closed', object: 'conversation', events: 28, accounts: 2 });
    assert.deepEqual(data.coverage.unplanned.find((p: { action: string }) => p.action === 'installed'), { action: 'installed', object: 'messenger', events: 3, accounts: 3 });

    const list = (await get('/api/v1/data/quarantine?reason=unplanned_event')).body;
    assert.equal(list.total, 2);
    const dry = await replay({ ids: [list.entries[0].id], dry_run: true });
    assert.deepEqual(dry.json(), { selected: 1, replayed: 1, duplicates: 0, still_failing: 0, not_replayable: 0, by_reason: {} });
    assert.equal((await get('/api/v1/data')).body.stats.quarantined, 2);
    const done = await replay({ reason: 'unplanned_event' });
    assert.equal(done.statusCode, 200);
    assert.equal(done.json().replayed, 2);
    const after = (await get('/api/v1/data')).body.stats;
    assert.deepEqual([after.quarantined, after.events], [0, 16]);

    const collector = (await get('/api/v1/collector', dashboard)).body;
    assert.equal(collector.running, true);
    assert.deepEqual(
      collector.keys.map((k: { name: string; kind: string; revoked_at: string | null }) => [k.name, k.kind, k.revoked_at === null ? 'active' : 'revoked']),
      [
        ['cs-team', 'dashboard', 'revoked'],
        ['web', 'write', 'active'],
        ['cs-team-2', 'dashboard', 'active'],
      ],
    );
    assert.ok(collector.keys.every((k: Record<string, unknown>) => !('hash' in k)));
  });
});

/** A value as JSON carries it (undefined dropped, NaN null). */
const json = (v: unknown) => JSON.parse(JSON.stringify(v));
const stripSource = ({ source: _, framework_version: __, refreshed_at: ___, ...rest }: Record<string, unknown>) => rest;
