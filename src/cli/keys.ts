import { existsSync } from 'node:fs';
import path from 'node:path';
import { IdentitySecrets, keyNameProblem, WriteKeyError, WriteKeys } from '../collect/index.js';
import { CONFIG_FILE, resolveWorkspaceDir } from '../config/index.js';
import { CliError, positiveInt, usageError } from './errors.js';
import { print, printJson, printTable } from './output.js';
import type { GlobalOptions } from './workspace.js';

/**
 * The workspace folder only: keys must be manageable while `cairn serve` holds the store, so
 * these verbs neither open the store nor need the other config files to be valid.
 */
function workspaceDir(opts: GlobalOptions): string {
  const dir = resolveWorkspaceDir(opts.workspace);
  if (!existsSync(path.join(dir, CONFIG_FILE))) throw usageError(`no ${CONFIG_FILE} in ${dir}: run \`cairn init ${dir}\``);
  return dir;
}

/** `cairn keys create NAME`: a write key, shown once and stored hashed. */
export async function runKeysCreate(name: string, opts: { json?: boolean; rateLimit?: string }, globals: GlobalOptions): Promise<void> {
  const problem = keyNameProblem(name);
  if (problem) throw usageError(problem);
  const rateLimit = opts.rateLimit === undefined ? undefined : positiveInt(opts.rateLimit, '--rate-limit', 1e9);
  const keys = await WriteKeys.open(workspaceDir(globals));
  let key: string;
  try {
    key = await keys.create(name, { rateLimit });
  } catch (err) {
    if (err instanceof WriteKeyError) throw new CliError(err.message);
    throw err;
  }
  if (opts.json) return printJson({ name, key });
  print(`write key for source ${name}:`);
  print(`  ${key}`);
  print('It is not shown again: store it now. Send it as `Authorization: Bearer <key>`.');
}

/** `cairn keys revoke NAME`: the source's active key stops working. */
export async function runKeysRevoke(name: string, opts: { json?: boolean }, globals: GlobalOptions): Promise<void> {
  const keys = await WriteKeys.open(workspaceDir(globals));
  if (!(await keys.revoke(name))) throw new CliError(`no active key named ${JSON.stringify(name)} (see \`cairn keys list\`)`);
  if (opts.json) return printJson({ name, revoked: true });
  print(`revoked the key of ${name}`);
}

/** `cairn keys list`: the keys' names and prefixes, never the keys. */
export async function runKeysList(opts: { json?: boolean }, globals: GlobalOptions): Promise<void> {
  const keys = await WriteKeys.open(workspaceDir(globals));
  const rows = keys.list().map(({ name, prefix, created_at, revoked_at, rate_limit }) => ({ name, prefix, created_at, revoked_at, rate_limit: rate_limit ?? null }));
  if (opts.json) return printJson({ keys: rows });
  if (rows.length === 0) return print('no write keys yet: `cairn keys create NAME`');
  printTable(
    ['name', 'prefix', 'created', 'revoked', 'rate limit'],
    rows.map((r) => [r.name, `${r.prefix}…`, r.created_at, r.revoked_at ?? '', r.rate_limit === null ? 'default' : `${r.rate_limit}/s`]),
  );
}

/** `cairn keys identity`: the checklist's identity secret, made once (or rotated) and shown. */
export async function runKeysIdentity(opts: { rotate?: boolean; graceHours: string; json?: boolean }, globals: GlobalOptions): Promise<void> {
  const graceHours = opts.graceHours === '0' ? 0 : positiveInt(opts.graceHours, '--grace-hours', 24 * 365);
  const secrets = await IdentitySecrets.open(workspaceDir(globals));
  const { secret, created } = await secrets.create({ rotate: opts.rotate, graceHours });
  const previous = secrets.previousValidUntil;
  if (opts.json) return printJson({ secret, created, previous_valid_until: previous });
  print(`identity secret${created ? (opts.rotate ? ' (new)' : ' (created)') : ''}, kept owner-only in ${secrets.file}:`);
  print(`  ${secret}`);
  print("Your backend signs each account id with it: token = hex(HMAC-SHA256(secret, account_id)); the page sends `Authorization: Bearer <token>` to /v1/checklist/<account_id>.");
  if (previous) print(`The previous secret is accepted until ${previous}.`);
}
