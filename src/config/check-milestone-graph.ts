import type { ConfigDiagnostic } from './config-error.js';
import type { YamlSource } from './yaml-source.js';

/**
 * References between milestones: every `requires` entry and every stage's `milestone` names a
 * milestone that exists, and `requires` has no cycle (a cycle would make a milestone
 * unreachable). Works on the raw data so it reports alongside schema errors.
 */
export function checkMilestoneGraph(raw: unknown, source: YamlSource): ConfigDiagnostic[] {
  const milestones = isRecord(raw) ? raw.milestones : undefined;
  if (!isRecord(milestones)) return [];
  const names = Object.keys(milestones);
  const known = new Set(names);
  const out: ConfigDiagnostic[] = [];
  const unknown = (ref: string) => `unknown milestone '${ref}' (milestones: ${names.join(', ')})`;

  // Edges to known milestones only; unknown names are reported once, here.
  const edges = new Map<string, { ref: string; index: number }[]>();
  for (const name of names) {
    const requires = isRecord(milestones[name]) ? milestones[name].requires : undefined;
    const list: { ref: string; index: number }[] = [];
    if (Array.isArray(requires)) {
      requires.forEach((ref, index) => {
        if (typeof ref !== 'string') return;
        if (known.has(ref)) list.push({ ref, index });
        else out.push(source.diagnostic(['milestones', name, 'requires', index], unknown(ref)));
      });
    }
    edges.set(name, list);
  }
  out.push(...findCycles(names, edges, source));

  const stages = isRecord(raw) ? raw.stages : undefined;
  if (Array.isArray(stages)) {
    stages.forEach((stage, i) => {
      const ref = isRecord(stage) ? stage.milestone : undefined;
      if (typeof ref === 'string' && !known.has(ref)) out.push(source.diagnostic(['stages', i, 'milestone'], unknown(ref)));
    });
  }
  return out;
}

/** Depth-first search; each cycle is reported once, at the `requires` entry that closes it. */
function findCycles(
  names: readonly string[],
  edges: Map<string, { ref: string; index: number }[]>,
  source: YamlSource,
): ConfigDiagnostic[] {
  const out: ConfigDiagnostic[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string): void => {
    state.set(name, 'visiting');
    stack.push(name);
    for (const { ref, index } of edges.get(name) ?? []) {
      if (state.get(ref) === 'visiting') {
        const cycle = [...stack.slice(stack.indexOf(ref)), ref];
        out.push(source.diagnostic(['milestones', name, 'requires', index], `requires cycle: ${cycle.join(' → ')}`));
      } else if (!state.has(ref)) {
        visit(ref);
      }
    }
    stack.pop();
    state.set(name, 'done');
  };
  for (const name of names) if (!state.has(name)) visit(name);
  return out;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
