/**
 * Sharing reports to a Slack-compatible incoming webhook: Block Kit with the verdict and the
 * headline figures, and a link to the full report (share.report_url) or, without one, the
 * report's markdown as an attachment. Posts are retried with exponential backoff (honouring
 * Retry-After on 429) and every attempt's outcome is recorded in the ledger with the payload,
 * so a failed post is listed by `cairn launch due` and can be sent again. The webhook URL is a
 * secret: it comes from an environment variable or a 0600 file under .cairn/, and is never
 * stored or printed.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Launch } from '../config/index.js';
import type { Store } from '../store/index.js';
import { failedShares, recordShare, type ShareRecord } from './ledger.js';
import type { OutcomeReport } from './outcome-report.js';
import { readLedger } from './outcome-queries.js';
import { effect, interval, percent, title, VERDICT_WORDS } from './report-format.js';

export class ShareError extends Error {
  override readonly name = 'ShareError';
}

/** Where the webhook URL was found, for messages (never the URL itself). */
export interface Webhook {
  url: string;
  source: string;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** The launch's webhook URL from its `share.slack`: an environment variable or a private file under .cairn/. */
export async function resolveWebhook(workspaceDir: string, launch: Launch, env: NodeJS.ProcessEnv = process.env): Promise<Webhook> {
  const slack = launch.config.share.slack;
  if (!slack) throw new ShareError(`no share.slack in launches/${launch.name}.yaml: add { webhook_env: NAME } or { webhook_file: .cairn/FILE }`);
  let url: string;
  let source: string;
  if (slack.webhook_env) {
    source = `$${slack.webhook_env}`;
    url = (env[slack.webhook_env] ?? '').trim();
    if (!url) throw new ShareError(`${source} is not set: export the incoming-webhook URL in it`);
  } else {
    const secrets = path.resolve(workspaceDir, '.cairn');
    const file = path.resolve(workspaceDir, slack.webhook_file!);
    source = path.relative(workspaceDir, file);
    if (!file.startsWith(secrets + path.sep)) throw new ShareError(`invalid webhook_file: ${slack.webhook_file} (keep it under .cairn/, out of version control)`);
    let mode: number;
    try {
      mode = (await stat(file)).mode;
    } catch {
      throw new ShareError(`no webhook file ${source}: write the URL there and run chmod 600 ${source}`);
    }
    if ((mode & 0o077) !== 0) throw new ShareError(`${source} is readable by others (mode ${(mode & 0o777).toString(8)}): run chmod 600 ${source}`);
    url = (await readFile(file, 'utf8')).trim();
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ShareError(`invalid webhook URL in ${source}: not a URL`);
  }
  // Plain http only to this machine (tests, a local relay); a secret URL never travels in clear.
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && LOOPBACK.has(parsed.hostname))) {
    throw new ShareError(`invalid webhook URL in ${source}: expected https`);
  }
  return { url, source };
}

const clip = (s: string, n: number) => (s.length <= n ? s : `${s.slice(0, n - 1)}…`);

/** The Block Kit message for a report. */
export function slackPayload(r: OutcomeReport, options: { reportUrl?: string | null; markdown: string }): Record<string, unknown> {
  const o = r.outcome;
  const adoption = r.funnel?.weeks.at(-1);
  const fields = [
    ['Outcome', o ? `${o.label} (${o.direction})` : 'none declared'],
    ['Expected', o ? effect(o.expected, o.scale) : '—'],
    ['Measured', o ? `${effect(o.estimate, o.scale)} ${interval(o.low, o.high, o.scale)}` : '—'],
    ['Design', o?.design ? `${o.design} (grade ${o.grade})` : '—'],
    ['Adoption', adoption ? `${percent(adoption.stages.adoption.share)} adopted, ${percent(adoption.stages.engagement.share)} engaged (week ${adoption.week})` : '—'],
    ['Owner', r.owner],
  ].map(([k, v]) => ({ type: 'mrkdwn', text: clip(`*${k}*\n${v}`, 2000) }));
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: { type: 'plain_text', text: clip(title(r), 150) } },
    { type: 'section', text: { type: 'mrkdwn', text: clip(`*Verdict: ${VERDICT_WORDS[r.verdict]}.* ${r.reason}`, 3000) } },
    { type: 'section', fields },
  ];
  for (const m of r.impact) {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: clip(`Impact, ${m.role}: ${m.label}: expected ${effect(m.expected, m.scale)}, measured ${effect(m.estimate, m.scale)} ${interval(m.low, m.high, m.scale)}`, 3000) }] });
  }
  if (r.flag_details.length) {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: clip(`:warning: ${r.flag_details.map((f) => `*${f.code}*: ${f.message}`).join('\n')}`, 3000) }] });
  }
  const payload: Record<string, unknown> = { text: clip(`${title(r)}: ${VERDICT_WORDS[r.verdict]}. ${r.reason}`, 3000), blocks };
  if (options.reportUrl) {
    const url = options.reportUrl.replaceAll('{launch}', encodeURIComponent(r.launch)).replaceAll('{at}', encodeURIComponent(r.at));
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `<${url}|Full report>` } });
  } else {
    payload.attachments = [{ title: 'Full report', text: clip(options.markdown, 7500), mrkdwn_in: ['text'] }];
  }
  return payload;
}

export interface RetryOptions {
  attempts?: number;
  /** First backoff; doubles each time (default 1 s). */
  baseDelayMs?: number;
  /** Longest wait honoured from Retry-After (default 30 s). */
  maxDelayMs?: number;
  timeoutMs?: number;
}

export interface PostResult {
  ok: boolean;
  attempts: number;
  status: number | null;
  error: string | null;
}

/** POSTs JSON, retrying network errors, 429 and 5xx with backoff; other statuses fail at once. */
export async function postWithRetry(url: string, payload: unknown, options: RetryOptions = {}): Promise<PostResult> {
  const { attempts = 5, baseDelayMs = 1000, maxDelayMs = 30_000, timeoutMs = 10_000 } = options;
  let last: PostResult = { ok: false, attempts: 0, status: null, error: 'not sent' };
  for (let i = 1; i <= attempts; i++) {
    let wait = baseDelayMs * 2 ** (i - 1);
    try {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload), signal: AbortSignal.timeout(timeoutMs) });
      const body = (await res.text()).slice(0, 200);
      if (res.ok) return { ok: true, attempts: i, status: res.status, error: null };
      last = { ok: false, attempts: i, status: res.status, error: `HTTP ${res.status}${body ? `: ${body}` : ''}` };
      if (res.status !== 429 && res.status < 500) return last;
      const after = Number(res.headers.get('retry-after'));
      if (res.status === 429 && after > 0) wait = Math.min(maxDelayMs, after * 1000);
    } catch (err) {
      // The URL is a secret: report the failure without it.
      last = { ok: false, attempts: i, status: null, error: (err as Error).name === 'TimeoutError' ? `no answer in ${timeoutMs} ms` : `network error: ${(err as Error & { cause?: Error }).cause?.message ?? (err as Error).message}` };
    }
    if (i < attempts) await new Promise((r) => setTimeout(r, wait));
  }
  return last;
}

/** Posts a report and records the attempt; returns what was recorded. */
export async function shareReport(
  store: Store,
  workspaceDir: string,
  launch: Launch,
  report: OutcomeReport,
  options: { markdown: string; env?: NodeJS.ProcessEnv; now?: number; retry?: RetryOptions },
): Promise<ShareRecord> {
  const payload = slackPayload(report, { reportUrl: launch.config.share.report_url ?? null, markdown: options.markdown });
  return send(store, workspaceDir, launch, report.at, payload, options);
}

async function send(store: Store, workspaceDir: string, launch: Launch, at: string, payload: unknown, options: { env?: NodeJS.ProcessEnv; now?: number; retry?: RetryOptions }): Promise<ShareRecord> {
  let result: PostResult;
  try {
    const hook = await resolveWebhook(workspaceDir, launch, options.env);
    result = await postWithRetry(hook.url, payload, options.retry);
  } catch (err) {
    if (!(err instanceof ShareError)) throw err;
    result = { ok: false, attempts: 0, status: null, error: err.message };
  }
  const record: ShareRecord = { at, target: 'slack', status: result.ok ? 'sent' : 'failed', attempts: result.attempts, http_status: result.status, error: result.error, payload };
  await recordShare(store, launch.name, record, options.now ?? Date.now());
  return record;
}

/** Sends every failed post again (the payload as first built); returns the new records. */
export async function resendFailed(store: Store, workspaceDir: string, launches: readonly Launch[], options: { env?: NodeJS.ProcessEnv; now?: number; retry?: RetryOptions } = {}): Promise<(ShareRecord & { launch: string })[]> {
  const out: (ShareRecord & { launch: string })[] = [];
  for (const failed of failedShares(await readLedger(store, null))) {
    const launch = launches.find((l) => l.name === failed.launch);
    if (!launch) continue;
    out.push({ ...(await send(store, workspaceDir, launch, failed.at, failed.payload, options)), launch: launch.name });
  }
  return out;
}
