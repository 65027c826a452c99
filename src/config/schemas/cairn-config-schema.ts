import { Cron } from 'croner';
import { z } from 'zod';
import { expected, keyedMap, name, nonEmptyString, positiveInt, positiveNumber, sqlIdentifier } from './primitives.js';

/** The DuckDB file of a workspace unless cairn.yaml names another. */
export const DEFAULT_STORE_FILE = 'cairn.duckdb';

const duckdbEngineSchema = z.strictObject({
  kind: z.literal('duckdb'),
  /** The database file, relative to the workspace folder. */
  path: nonEmptyString().default(DEFAULT_STORE_FILE),
  /** A `path` outside the workspace folder is refused unless this says it is meant. */
  allow_outside_workspace: z.boolean({ error: expected('true or false') }).optional(),
  /**
   * DuckDB's memory cap, such as "1GB"; DuckDB's own default is 80% of RAM, which a long-running
   * `cairn serve` fills with cached blocks as the store grows.
   */
  memory_limit: z
    .string()
    .regex(/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i, { error: expected('a size such as 512MB or 2GB') })
    .optional(),
  /** DuckDB's worker threads (default: one per core; for `cairn serve`, one fewer, leaving a core to HTTP). */
  threads: positiveInt().optional(),
});

const clickhouseEngineSchema = z.strictObject({
  kind: z.literal('clickhouse'),
  url: z.url({ protocol: /^https?$/, error: expected('an http(s) URL such as http://localhost:8123') }),
  database: sqlIdentifier('a database name').default('cairn'),
  /** When set, each table is a local table on every shard with a Distributed table over them, sharded by account. */
  cluster: sqlIdentifier('a cluster name').optional(),
  /** Every host's HTTP URL, for schema changes on a cluster (default: the cluster's hosts at the url's port). */
  hosts: z.array(z.url({ protocol: /^https?$/, error: expected('an http(s) URL such as http://ch2:8123') })).min(1).optional(),
  username: z.string().optional(),
  /** A file holding the password, readable by its owner only (chmod 600); else $CAIRN_CLICKHOUSE_PASSWORD. */
  password_file: nonEmptyString().optional(),
  // The password never goes in cairn.yaml, which travels with the workspace.
  password: z
    .undefined({ error: 'the password does not go in cairn.yaml: set CAIRN_CLICKHOUSE_PASSWORD, or password_file (a file only you can read, chmod 600)' })
    .optional(),
});

const engineSchema = z.discriminatedUnion('kind', [duckdbEngineSchema, clickhouseEngineSchema]);

const retentionSchema = z
  .strictObject({
    /** still_customer: not churned `days` after signup; not_dormant: also active in the last `dormant_days`. */
    kind: z.enum(['still_customer', 'not_dormant']).default('still_customer'),
    days: positiveInt().default(365),
    dormant_days: positiveInt().default(30),
    /** The early window whose behaviour discovery relates to retention. */
    early_days: positiveInt().default(90),
  })
  .superRefine((r, ctx) => {
    // Only when both are valid, so a bad `days` is not reported twice.
    if (r.days > 0 && r.early_days > 0 && r.early_days >= r.days) {
      ctx.addIssue({
        code: 'custom',
        path: ['early_days'],
        message: `expected early_days to be less than days (${r.days}), got ${r.early_days}`,
      });
    }
  });

const importSchema = z.strictObject({
  /** Longer lines go to quarantine instead of being read into memory. */
  max_line_bytes: positiveInt().default(32768),
});

const serverSchema = z.strictObject({
  port: z
    .int({ error: expected('a port number from 1 to 65535') })
    .min(1, { error: expected('a port number from 1 to 65535') })
    .max(65535, { error: expected('a port number from 1 to 65535') })
    .default(4318),
  // Loopback by default: exposing the collector is a deliberate choice.
  host: nonEmptyString().default('127.0.0.1'),
  /** Events per second each write key may send on average (bursts up to one second's worth). */
  rate_limit: positiveInt().default(200_000),
  /** Events acknowledged but not yet stored above which requests get 429. */
  max_queued_events: positiveInt().default(2_000_000),
  /** The PostHog group type whose key names the account; the first of `$groups` when not set. */
  posthog_group_type: nonEmptyString().optional(),
  /**
   * Least time between two refreshes of the accounts' milestone statuses as events arrive
   * (longer when a refresh itself takes long); 0 turns the refresh off.
   */
  status_refresh_seconds: z.number({ error: expected('a number of seconds, 0 or more') }).min(0, { error: expected('a number of seconds, 0 or more') }).default(2),
  /**
   * The largest share of the time the status refresh may take: after a refresh of D seconds the
   * next waits at least D × (1 − share) / share, so heavy ingest keeps its cores and the
   * statuses lag the data by up to about D × (1 + 1 / share) (GET /v1/health shows the lag).
   */
  status_refresh_max_share: z
    .number({ error: expected('a share above 0 and at most 1, such as 0.2') })
    .gt(0, { error: expected('a share above 0 and at most 1, such as 0.2') })
    .max(1, { error: expected('a share above 0 and at most 1, such as 0.2') })
    .default(0.2),
  /**
   * Who may read the API and dashboard: `token` (the admin token or a dashboard token), or
   * `none_on_loopback` (no token needed while the server listens on loopback only).
   */
  api_auth: z.enum(['token', 'none_on_loopback'], { error: expected('token or none_on_loopback') }).default('token'),
});

/** The named periods a review may follow; anything else must be a cron expression. */
export const REVIEW_PERIODS = ['month', 'quarter', 'half_year', 'year'] as const;

const reviewSchema = z.strictObject({
  /** How often the framework is reviewed: a period, or a cron expression (UTC), e.g. 6:00 on the 1st of every month "0 6 1 * *". */
  every: z
    .string({ error: expected(`one of ${REVIEW_PERIODS.join(', ')}, or a cron expression`) })
    .refine((v) => (REVIEW_PERIODS as readonly string[]).includes(v) || isCron(v), {
      error: expected(`one of ${REVIEW_PERIODS.join(', ')}, or a cron expression of 5 or 6 fields such as "0 6 1 */3 *"`),
    })
    .default('quarter'),
  /** Signup cohorts the review compares. */
  cohorts: z.enum(['month', 'quarter']).default('quarter'),
});

/** A cron expression croner accepts (5 or 6 fields). */
const cronText = () =>
  z.string({ error: expected('a cron expression') }).refine(isCron, { error: expected('a cron expression of 5 or 6 fields such as "10 0 * * *"') });

function isCron(text: string): boolean {
  if (!/^\S+(\s+\S+){4,5}$/.test(text.trim())) return false;
  try {
    new Cron(text, { paused: true, timezone: 'UTC' });
    return true;
  } catch {
    return false;
  }
}

const collectSchema = z.strictObject({
  /**
   * Who decides an account's name, plan, seats, created_at and churned_at once the accounts
   * file (`cairn import accounts`) has named them: `import` keeps the file's and stores what a
   * group call says of them as traits; `collector` lets group calls change them.
   */
  account_facts: z.enum(['import', 'collector'], { error: expected('import or collector') }).default('import'),
});

/** What a webhook endpoint can be told of (src/webhooks). */
export const WEBHOOK_EVENTS = ['milestone.reached', 'milestone.lost', 'stage.changed', 'segment.entered', 'segment.left'] as const;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const envName = () => z.string({ error: expected('an environment variable name') }).regex(ENV_NAME, { error: expected('an environment variable name of letters, digits and underscores') });

const webhookEndpointSchema = z
  .strictObject({
    /** Where to POST; or `url_env`, the variable holding it (a Slack incoming-webhook URL is itself a secret). */
    url: z.url({ protocol: /^https?$/, error: expected('an http(s) URL') }).optional(),
    url_env: envName().optional(),
    /** `json`: Cairn's signed event; `slack`: a Block Kit message for a Slack incoming webhook. */
    format: z.enum(['json', 'slack'], { error: expected('json or slack') }).default('json'),
    /** The signing secret: an environment variable, or a file only its owner can read (chmod 600). Never in this file. */
    secret_env: envName().optional(),
    secret_file: nonEmptyString().optional(),
    secret: z.undefined({ error: 'the secret does not go in cairn.yaml: use secret_env (an environment variable) or secret_file (a file only you can read, chmod 600)' }).optional(),
    events: z.array(z.enum(WEBHOOK_EVENTS, { error: expected(`one of ${WEBHOOK_EVENTS.join(', ')}`) })).min(1).default([...WEBHOOK_EVENTS]),
    /** Segments whose entries and exits are sent (milestones.yaml's names); default every segment. */
    segments: z.array(nonEmptyString()).min(1).optional(),
  })
  .superRefine((e, ctx) => {
    if ((e.url === undefined) === (e.url_env === undefined)) ctx.addIssue({ code: 'custom', path: ['url'], message: 'expected one of url or url_env' });
    if (e.secret_env !== undefined && e.secret_file !== undefined) ctx.addIssue({ code: 'custom', path: ['secret_file'], message: 'expected one of secret_env or secret_file, not both' });
    if (e.format === 'json' && e.secret_env === undefined && e.secret_file === undefined) {
      ctx.addIssue({ code: 'custom', path: ['secret_env'], message: 'expected secret_env or secret_file: json deliveries are signed (a Slack endpoint needs none)' });
    }
  });

const webhooksSchema = z.strictObject({
  endpoints: keyedMap(name('an endpoint name'), webhookEndpointSchema).default({}),
  retry: z
    .strictObject({
      /** Attempts before a delivery becomes a dead letter (replayable with `cairn webhooks replay`). */
      max_attempts: positiveInt().default(8),
      /** The wait after the first failure, doubled after each (with jitter), up to `max_delay_seconds`. */
      first_delay_seconds: positiveNumber().default(30),
      max_delay_seconds: positiveNumber().default(3600),
    })
    .prefault({}),
  /** A receiver slower than this is a failed attempt. */
  timeout_seconds: positiveNumber().default(10),
});

const checklistSchema = z.strictObject({
  /** Web pages (origins such as https://app.example.com) allowed to read the checklist from a browser. */
  allowed_origins: z.array(z.url({ protocol: /^https?$/, error: expected('an origin such as https://app.example.com') })).default([]),
});

const schedulerSchema = z.strictObject({
  /**
   * A full refresh of every account's statuses and segments (cron, UTC). Writes refresh what
   * they touch within seconds and a new day is noticed within a minute; this is the recorded
   * safety net (after the day's first minutes by default).
   */
  refresh: cronText().default('10 0 * * *'),
  /** Run the framework review when review.every says it is due, and write review/review.html. */
  review: z.boolean({ error: expected('true or false') }).default(true),
  /**
   * Launches (cron, UTC): record each launch file's declaration (so a promise is on the ledger by
   * its launch day without anyone running a command), re-send failed report posts, count reports due.
   */
  launches: cronText().default('20 * * * *'),
});

/** `cairn.yaml`: the engine and the workspace's settings. */
export const cairnConfigSchema = z.strictObject({
  version: z.literal(1, { error: expected('version 1') }),
  // prefault, not default: the default goes through the schema so nested defaults apply.
  engine: engineSchema.prefault({ kind: 'duckdb' }),
  retention: retentionSchema.prefault({}),
  import: importSchema.prefault({}),
  collect: collectSchema.prefault({}),
  server: serverSchema.prefault({}),
  review: reviewSchema.prefault({}),
  webhooks: webhooksSchema.prefault({}),
  checklist: checklistSchema.prefault({}),
  scheduler: schedulerSchema.prefault({}),
});

export type CairnConfig = z.output<typeof cairnConfigSchema>;
export type EngineConfig = CairnConfig['engine'];
export type DuckdbEngineConfig = z.output<typeof duckdbEngineSchema>;
export type ClickhouseEngineConfig = z.output<typeof clickhouseEngineSchema>;
export type RetentionConfig = CairnConfig['retention'];
export type ReviewConfig = CairnConfig['review'];
export type WebhooksConfig = CairnConfig['webhooks'];
export type WebhookEndpointConfig = WebhooksConfig['endpoints'][string];
export type WebhookEventType = (typeof WEBHOOK_EVENTS)[number];
export type ChecklistConfig = CairnConfig['checklist'];
export type SchedulerConfig = CairnConfig['scheduler'];
