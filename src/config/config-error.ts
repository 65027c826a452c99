/**
 * One problem found in a config file, located well enough for a person to fix it.
 */
export interface ConfigDiagnostic {
  /** The file as it was given to the loader (absolute when loaded from a workspace). */
  file: string;
  /** 1-based line; 0 when the problem concerns the whole file (missing, unreadable). */
  line: number;
  /** 1-based column; 0 when `line` is 0. */
  col: number;
  /** Where in the document, e.g. `milestones.setup.steps[2].when`; empty for the whole file. */
  path: string;
  /** What was expected, e.g. `expected a positive integer, got -3`. */
  message: string;
  /** The text of the offending line, for the code frame. */
  sourceLine?: string;
  /** How many characters from `col` the caret underlines (at least 1). */
  length?: number;
}

/**
 * Every problem found in one load, thrown once. `message` lists them all as
 * `file:line:col: path: message` plus a code frame; the CLI prints it and exits with code 2.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly diagnostics: readonly ConfigDiagnostic[];

  constructor(diagnostics: readonly ConfigDiagnostic[]) {
    const sorted = sortDiagnostics(diagnostics);
    super(sorted.length > 0 ? sorted.map(formatDiagnostic).join('\n\n') : 'invalid configuration');
    this.diagnostics = sorted;
  }

  /** A problem with a whole file (missing, unreadable, already exists). */
  static forFile(file: string, message: string): ConfigError {
    return new ConfigError([{ file, line: 0, col: 0, path: '', message }]);
  }
}

/** `file:line:col: path: message`, then the offending line with a caret under the culprit. */
export function formatDiagnostic(d: ConfigDiagnostic): string {
  const where = d.line > 0 ? `${d.file}:${d.line}:${d.col}` : d.file;
  const head = `${where}: ${d.path ? `${d.path}: ` : ''}${d.message}`;
  if (d.sourceLine === undefined || d.line <= 0) return head;
  const gutter = String(d.line);
  const pad = ' '.repeat(gutter.length);
  const caret = ' '.repeat(Math.max(0, d.col - 1)) + '^'.repeat(Math.max(1, d.length ?? 1));
  return `${head}\n  ${gutter} | ${d.sourceLine}\n  ${pad} | ${caret}`;
}

/** Files keep the order they were first reported in; within a file, top to bottom. */
function sortDiagnostics(diagnostics: readonly ConfigDiagnostic[]): ConfigDiagnostic[] {
  const fileOrder = new Map<string, number>();
  for (const d of diagnostics) if (!fileOrder.has(d.file)) fileOrder.set(d.file, fileOrder.size);
  return [...diagnostics].sort(
    (a, b) => fileOrder.get(a.file)! - fileOrder.get(b.file)! || a.line - b.line || a.col - b.col,
  );
}
