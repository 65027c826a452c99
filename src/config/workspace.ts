import { access, chmod, copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { ConfigError, type ConfigDiagnostic } from './config-error.js';
import { parseCairnConfig } from './load-cairn-config.js';
import { parseMilestones } from './load-milestones.js';
import { parseTrackingPlan } from './load-tracking-plan.js';
import { readConfigFile } from './parse-config-text.js';
import { YamlSource } from './yaml-source.js';
import type { CairnConfig } from './schemas/cairn-config-schema.js';
import type { MilestonesConfig } from './schemas/milestones-schema.js';
import type { TrackingPlan } from './schemas/tracking-plan-schema.js';

export const CONFIG_FILE = 'cairn.yaml';
export const MILESTONES_FILE = 'milestones.yaml';
export const TRACKING_PLAN_FILE = 'tracking-plan.yaml';
export const LAUNCHES_DIR = 'launches';

/**
 * The workspaces `cairn init` writes (kept next to src/, not in it): 'blank' for a new product
 * (no milestones yet, a plan that flags what it does not know), and the help-desk example (the
 * demo product's tracking plan and the seed's framework), which `cairn demo` uses.
 * Built, this module is a chunk directly in dist/, one folder nearer the package root.
 */
const EXAMPLES_DIR = `${import.meta.url.endsWith('.ts') ? '../../' : '../'}examples/`;
export const TEMPLATES = {
  blank: fileURLToPath(new URL(`${EXAMPLES_DIR}blank/`, import.meta.url)),
  helpdesk: fileURLToPath(new URL(`${EXAMPLES_DIR}helpdesk/`, import.meta.url)),
} as const;
export type TemplateName = keyof typeof TEMPLATES;
/** The help-desk example's folder. */
export const HELPDESK_DIR = TEMPLATES.helpdesk;
/** `cairn launch new`'s commented template. */
export const LAUNCH_TEMPLATE = fileURLToPath(new URL(`${EXAMPLES_DIR}launch-template.yaml`, import.meta.url));

export interface Workspace {
  /** Absolute path of the workspace folder. */
  dir: string;
  config: CairnConfig;
  milestones: MilestonesConfig;
  trackingPlan: TrackingPlan;
  /** Absolute paths of the files read. */
  files: { config: string; milestones: string; trackingPlan: string };
}

/** `--workspace DIR`, else `CAIRN_WORKSPACE`, else the current folder; always absolute. */
export function resolveWorkspaceDir(
  cliOption?: string,
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): string {
  const chosen = cliOption || env.CAIRN_WORKSPACE || cwd;
  return path.resolve(cwd, chosen);
}

/**
 * Reads and validates the three config files of a workspace. Problems in all of them are
 * gathered into one ConfigError, so a single run shows everything to fix.
 */
export async function loadWorkspace(dir: string): Promise<Workspace> {
  const abs = path.resolve(dir);
  const files = {
    config: path.join(abs, CONFIG_FILE),
    milestones: path.join(abs, MILESTONES_FILE),
    trackingPlan: path.join(abs, TRACKING_PLAN_FILE),
  };
  if (!(await exists(files.config))) {
    throw ConfigError.forFile(files.config, `no ${CONFIG_FILE} in ${abs}: run \`cairn init ${abs}\``);
  }
  const diagnostics: ConfigDiagnostic[] = [];
  const attempt = async <T>(file: string, parse: (text: string, file: string) => T, hint: string) => {
    try {
      return parse(await readConfigFile(file, hint), file);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      diagnostics.push(...err.diagnostics);
      return undefined;
    }
  };
  const config = await attempt(files.config, parseCairnConfig, '');
  const milestones = await attempt(
    files.milestones,
    parseMilestones,
    `write one, run \`cairn discover\` to propose one, or copy examples/helpdesk/${MILESTONES_FILE} to start from an example`,
  );
  const trackingPlan = await attempt(
    files.trackingPlan,
    parseTrackingPlan,
    `write one or copy examples/blank/${TRACKING_PLAN_FILE}`,
  );
  if (config && milestones) diagnostics.push(...(await webhookSegmentProblems(files.config, config, milestones)));
  if (diagnostics.length > 0 || !config || !milestones || !trackingPlan) throw new ConfigError(diagnostics);
  return { dir: abs, config, milestones, trackingPlan, files };
}

/** Segments a webhook names must be milestones.yaml's: each one that is not, at its line in cairn.yaml. */
async function webhookSegmentProblems(file: string, config: CairnConfig, milestones: MilestonesConfig): Promise<ConfigDiagnostic[]> {
  const unknown = Object.entries(config.webhooks.endpoints).flatMap(([name, e]) =>
    (e.segments ?? []).flatMap((segment, i) => (Object.hasOwn(milestones.segments, segment) ? [] : [{ name, segment, i }])),
  );
  if (unknown.length === 0) return [];
  const source = YamlSource.parse(file, await readConfigFile(file));
  const known = Object.keys(milestones.segments).join(', ') || 'none declared';
  return unknown.map(({ name, segment, i }) => source.diagnostic(['webhooks', 'endpoints', name, 'segments', i], `expected a segment of milestones.yaml (${known}), got ${JSON.stringify(segment)}`));
}

export interface ClickHouseInit {
  url: string;
  database?: string;
  cluster?: string;
  /** Every host's URL, for a cluster's schema. */
  hosts?: readonly string[];
  username?: string;
}

/** The engine block of cairn.yaml for a ClickHouse server or cluster (values quoted as YAML). */
export function clickhouseEngineBlock(e: ClickHouseInit): string {
  const value = (v: string) => stringify(v).trimEnd();
  return [
    'engine:',
    '  kind: clickhouse',
    `  url: ${value(e.url)}`,
    `  database: ${value(e.database ?? 'cairn')}`,
    e.cluster ? `  cluster: ${value(e.cluster)}  # tables are sharded by account over this cluster` : '  # cluster: my_cluster  # tables are sharded by account over this cluster',
    ...(e.hosts?.length ? [`  hosts: [${e.hosts.map(value).join(', ')}]`] : []),
    `  username: ${value(e.username ?? 'default')}`,
    '  # The password: $CAIRN_CLICKHOUSE_PASSWORD, or a file only you can read (chmod 600):',
    '  # password_file: /home/me/.cairn-clickhouse-password',
    '',
  ].join('\n');
}

const ENGINE_BLOCK = /^engine:\n(?:.+\n)*?\n/m;

/**
 * Points a workspace at ClickHouse: cairn.yaml's engine block (from `engine:` to the first blank
 * line) becomes the ClickHouse one; the rest of the file stays as it is.
 */
export async function switchToClickHouse(dir: string, engine: ClickHouseInit): Promise<string> {
  const file = path.join(path.resolve(dir), CONFIG_FILE);
  const text = await readFile(file, 'utf8');
  if (!ENGINE_BLOCK.test(text)) throw ConfigError.forFile(file, `no engine block (from "engine:" to a blank line) to replace; write this one in:\n${clickhouseEngineBlock(engine)}`);
  await writeFile(file, text.replace(ENGINE_BLOCK, clickhouseEngineBlock(engine) + '\n'));
  return file;
}

/**
 * Creates a workspace from a template (default 'blank'): cairn.yaml, milestones.yaml,
 * tracking-plan.yaml and an empty launches/. Nothing is written if a file exists, unless `force`.
 */
export async function initWorkspace(
  dir: string,
  options: { force?: boolean; template?: TemplateName; clickhouse?: ClickHouseInit } = {},
): Promise<{ created: string[] }> {
  const from = TEMPLATES[options.template ?? 'blank'];
  if (!from) throw new Error(`invalid template: ${String(options.template)} (expected ${Object.keys(TEMPLATES).join(' or ')})`);
  const abs = path.resolve(dir);
  const names = [CONFIG_FILE, MILESTONES_FILE, TRACKING_PLAN_FILE];
  if (!options.force) {
    const existing: string[] = [];
    for (const name of names) if (await exists(path.join(abs, name))) existing.push(path.join(abs, name));
    if (existing.length > 0) {
      throw new ConfigError(
        existing.map((file) => ({ file, line: 0, col: 0, path: '', message: 'already exists; use --force to overwrite' })),
      );
    }
  }
  await mkdir(abs, { recursive: true });
  const created: string[] = [];
  for (const name of names) {
    const target = path.join(abs, name);
    if (name === CONFIG_FILE && options.clickhouse) {
      // The template's engine block (up to the first blank line) becomes the ClickHouse one.
      const text = await readFile(path.join(from, name), 'utf8');
      await writeFile(target, text.replace(ENGINE_BLOCK, clickhouseEngineBlock(options.clickhouse) + '\n'));
    } else await copyFile(path.join(from, name), target);
    // cairn.yaml may come to hold the ClickHouse password: owner-only, like other secrets.
    if (name === CONFIG_FILE) await chmod(target, 0o600);
    created.push(target);
  }
  const launches = path.join(abs, LAUNCHES_DIR);
  if (!(await exists(launches))) {
    await mkdir(launches);
    created.push(launches);
  }
  return { created };
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}
