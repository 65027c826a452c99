import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, type ConfigDiagnostic } from './config-error.js';
import { parseConfigText, readConfigFile, type ConfigCheck } from './parse-config-text.js';
import { LAUNCH_SEGMENT_FIELDS, launchSchema, type LaunchConfig } from './schemas/launch-schema.js';
import { diagnosticInScalar } from './check-segments.js';
import { parseSegmentExpression, SegmentExpressionError } from './segment-expression.js';
import { checkSegment } from './segment-fields.js';
import type { ConfigPath } from './yaml-source.js';
import { LAUNCH_TEMPLATE, LAUNCHES_DIR } from './workspace.js';

/** One launch file, validated, with what is needed to point back into it. */
export interface Launch {
  /** The file's name without `.yaml`: `reply_suggestions`. */
  name: string;
  /** Absolute path of launches/NAME.yaml. */
  file: string;
  /** The file's text, to locate later problems (unknown segment fields) at their line. */
  text: string;
  config: LaunchConfig;
  /** launches/NAME/feedback/: qualitative feedback, one markdown file per note. */
  feedbackDir: string;
}

const LAUNCH_NAME = /^[a-z][a-z0-9_]*$/;

/**
 * Validates the text of a launch file. `milestones` (names from milestones.yaml), when given,
 * checks that milestone metrics name one.
 */
export function parseLaunch(text: string, file = 'launch.yaml', options: { milestones?: readonly string[] } = {}): LaunchConfig {
  const checks: ConfigCheck[] = [checkLaunchSegments];
  if (options.milestones) checks.push(milestoneRefs(options.milestones));
  return parseConfigText(file, text, launchSchema, checks);
}

export async function loadLaunch(file: string, options: { milestones?: readonly string[] } = {}): Promise<Launch> {
  const abs = path.resolve(file);
  const name = path.basename(abs).replace(/\.ya?ml$/, '');
  if (!LAUNCH_NAME.test(name)) throw ConfigError.forFile(abs, `invalid launch name: ${JSON.stringify(name)} (rename the file to lowercase letters, digits and underscores)`);
  const text = await readConfigFile(abs);
  return { name, file: abs, text, config: parseLaunch(text, abs, options), feedbackDir: path.join(path.dirname(abs), name, 'feedback') };
}

/** Every `launches/*.yaml` of a workspace, by name; problems in all files are thrown together. */
export async function loadLaunches(workspaceDir: string, options: { milestones?: readonly string[] } = {}): Promise<Launch[]> {
  const dir = path.join(path.resolve(workspaceDir), LAUNCHES_DIR);
  let names: string[];
  try {
    names = (await readdir(dir)).filter((f) => /\.ya?ml$/.test(f)).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const launches: Launch[] = [];
  const diagnostics: ConfigDiagnostic[] = [];
  for (const f of names) {
    try {
      launches.push(await loadLaunch(path.join(dir, f), options));
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      diagnostics.push(...err.diagnostics);
    }
  }
  if (diagnostics.length > 0) throw new ConfigError(diagnostics);
  return launches;
}

/** The path of launches/NAME.yaml in a workspace, or a usage-style ConfigError for a bad name. */
export function launchFile(workspaceDir: string, name: string): string {
  if (!LAUNCH_NAME.test(name)) {
    throw ConfigError.forFile(name, `invalid launch name: ${JSON.stringify(name)} (use lowercase letters, digits and underscores, e.g. reply_suggestions)`);
  }
  return path.join(path.resolve(workspaceDir), LAUNCHES_DIR, `${name}.yaml`);
}

/**
 * `cairn launch new NAME`: writes launches/NAME.yaml from the commented template, and an empty
 * launches/NAME/feedback/. Never overwrites an existing file unless `force`.
 */
export async function scaffoldLaunch(workspaceDir: string, name: string, options: { force?: boolean; owner?: string } = {}): Promise<{ file: string; feedbackDir: string }> {
  const file = launchFile(workspaceDir, name);
  const template = await readFile(LAUNCH_TEMPLATE, 'utf8');
  const text = template.replaceAll('{{name}}', name).replaceAll('{{owner}}', options.owner ?? 'you@example.com');
  await mkdir(path.dirname(file), { recursive: true });
  try {
    await writeFile(file, text, { flag: options.force ? 'w' : 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw ConfigError.forFile(file, 'already exists; use --force to overwrite');
    throw err;
  }
  const feedbackDir = path.join(path.dirname(file), name, 'feedback');
  await mkdir(feedbackDir, { recursive: true });
  return { file, feedbackDir };
}

/** The fields a launch's segments read: no stage or milestones, only facts as of exposure. */
export const LAUNCH_SEGMENT_CATALOG = { fields: LAUNCH_SEGMENT_FIELDS, milestones: [], milestoneFields: {} };

/** Audience and holdout parse, and read only the fields launches know, with values of their type. */
const checkLaunchSegments: ConfigCheck = (raw, source) => {
  const out: ConfigDiagnostic[] = [];
  const at = (p: ConfigPath, text: unknown) => {
    if (typeof text !== 'string' || text === '') return;
    try {
      checkSegment(parseSegmentExpression(text), LAUNCH_SEGMENT_CATALOG);
    } catch (err) {
      if (!(err instanceof SegmentExpressionError)) throw err;
      out.push(diagnosticInScalar(source, p, text, err.offset, err.length, err.message));
    }
  };
  const r = isRecord(raw) ? raw : {};
  at(['audience'], r.audience);
  if (isRecord(r.holdout)) at(['holdout', 'segment'], r.holdout.segment);
  return out;
};

function milestoneRefs(milestones: readonly string[]): ConfigCheck {
  return (raw, source) => {
    const out: ConfigDiagnostic[] = [];
    const r = isRecord(raw) ? raw : {};
    const check = (p: ConfigPath, metric: unknown) => {
      if (!isRecord(metric) || metric.kind !== 'milestone' || typeof metric.name !== 'string') return;
      if (!milestones.includes(metric.name)) out.push(source.diagnostic([...p, 'name'], `unknown milestone '${metric.name}' (milestones.yaml has: ${milestones.join(', ')})`));
    };
    if (isRecord(r.outcome)) check(['outcome', 'metric'], r.outcome.metric);
    if (isRecord(r.impact)) for (const [k, v] of Object.entries(r.impact)) if (isRecord(v)) check(['impact', k, 'metric'], v.metric);
    return out;
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
