import {
  isAlias,
  isCollection,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type Document,
  type Node as YamlNode,
} from 'yaml';
import type { ConfigDiagnostic } from './config-error.js';

export type ConfigPath = readonly PropertyKey[];

/** Where a diagnostic points: at a map key (unknown or invalid key names) or at the value. */
export type Anchor = 'key' | 'value';

/**
 * A parsed YAML config file that remembers where every node came from, so that a path such as
 * `['milestones', 'activation', 'at_least']` can be turned back into `file:line:col`.
 */
export class YamlSource {
  /** The plain data, or undefined when the YAML itself is broken (see `syntaxErrors`). */
  readonly value: unknown;
  /** YAML syntax problems (bad indentation, duplicate keys, ...), already located. */
  readonly syntaxErrors: readonly ConfigDiagnostic[];

  private readonly lines: string[];

  private constructor(
    readonly file: string,
    readonly text: string,
    private readonly doc: Document.Parsed,
    private readonly lineCounter: LineCounter,
  ) {
    this.lines = text.split(/\r?\n/);
    const errors = doc.errors.map((e) => this.diagnosticAt(e.pos[0], e.pos[1], '', lowerFirst(e.message)));
    let value: unknown;
    if (errors.length === 0) {
      try {
        value = doc.toJS({ maxAliasCount: 100 });
      } catch (err) {
        // toJS throws on alias bombs and the like; report it rather than crash.
        errors.push(this.diagnosticAt(0, 0, '', lowerFirst((err as Error).message)));
      }
    }
    this.value = value;
    this.syntaxErrors = errors;
  }

  static parse(file: string, text: string): YamlSource {
    const lineCounter = new LineCounter();
    // prettyErrors off: we build our own message and frame from the error's offset.
    const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
    return new YamlSource(file, text, doc, lineCounter);
  }

  /** True when every segment of `path` exists in the document. */
  has(path: ConfigPath): boolean {
    return this.walk(path).found === path.length;
  }

  /** A diagnostic at `path`, or at its nearest existing ancestor when the path is missing. */
  diagnostic(path: ConfigPath, message: string, anchor: Anchor = 'value'): ConfigDiagnostic {
    const [start, end] = this.locate(path, anchor);
    return this.diagnosticAt(start, end, formatPath(path), message);
  }

  /** The character range [start, end) that best stands for `path`. */
  locate(path: ConfigPath, anchor: Anchor = 'value'): [number, number] {
    const { node, key, found } = this.walk(path);
    const complete = found === path.length;
    if (complete && anchor === 'key' && key?.range) return [key.range[0], key.range[1]];
    if (node?.range) {
      const [start, end] = node.range;
      // Point at the value when it is visible on its own line: a scalar or a flow collection.
      // A block map or list starts on the next line, so its key says better which one it is.
      const inline = isScalar(node) ? end > start : isCollection(node) && node.flow === true;
      if (inline || !key?.range) return [start, end];
    }
    if (key?.range) return [key.range[0], key.range[1]];
    return [0, 0];
  }

  private walk(path: ConfigPath): { node: YamlNode | null; key: YamlNode | null; found: number } {
    let node = this.resolve(this.doc.contents);
    let key: YamlNode | null = null;
    let found = 0;
    for (const segment of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => keyString(p.key) === String(segment));
        if (!pair) break;
        key = isScalar(pair.key) || isCollection(pair.key) ? pair.key : null;
        node = this.resolve(pair.value as YamlNode | null);
      } else if (isSeq(node) && typeof segment === 'number' && segment < node.items.length) {
        key = null;
        node = this.resolve(node.items[segment] as YamlNode | null);
      } else {
        break;
      }
      found++;
    }
    return { node, key, found };
  }

  private resolve(node: YamlNode | null | undefined): YamlNode | null {
    if (node && isAlias(node)) return (node.resolve(this.doc) as YamlNode | undefined) ?? node;
    return node ?? null;
  }

  private diagnosticAt(start: number, end: number, path: string, message: string): ConfigDiagnostic {
    const { line, col } = this.lineCounter.linePos(start);
    const sourceLine = this.lines[line - 1] ?? '';
    const room = Math.max(1, sourceLine.length - (col - 1));
    const length = Math.min(Math.max(1, end - start), room);
    return { file: this.file, line, col, path, message, sourceLine, length };
  }
}

/** `['milestones', 'setup', 'steps', 2, 'when']` → `milestones.setup.steps[2].when`. */
export function formatPath(path: ConfigPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (typeof segment === 'string' && /^[A-Za-z_][\w-]*$/.test(segment)) out += out ? `.${segment}` : segment;
    else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out;
}

function keyString(key: unknown): string {
  return isScalar(key) ? String(key.value) : String(key);
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}
