import { readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** A secret that cannot be read as cairn.yaml says: the message says how to fix it. */
export class SecretError extends Error {}

/**
 * A secret kept in a file (a password, a signing secret): relative to the workspace `dir` or
 * `~/`, readable by its owner only, its last line break dropped. Secrets never go in cairn.yaml.
 */
export async function readSecretFile(dir: string, file: string, what: string): Promise<string> {
  const path = resolve(dir, file.startsWith('~/') ? join(homedir(), file.slice(2)) : file);
  let info;
  try {
    info = await stat(path);
  } catch {
    throw new SecretError(`${what} ${path} does not exist; write the secret there and \`chmod 600 ${path}\``);
  }
  if ((info.mode & 0o077) !== 0) throw new SecretError(`${what} ${path} can be read by others; run \`chmod 600 ${path}\``);
  return (await readFile(path, 'utf8')).replace(/\r?\n$/, '');
}
