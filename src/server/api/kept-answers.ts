import type { ApiContext } from './api-context.js';

interface Kept<T> {
  answer: Promise<T>;
  ready: boolean;
}

/**
 * Answers kept while what they were computed from stays the same (`version`: the last status
 * refresh): one per key, concurrent asks sharing one computation, a failure not kept. When the
 * version moves, the first ask for a key starts the new answer and, while it is computed, gets
 * the last version's answer for that key when there is one: an answer a refresh older, which
 * says when that refresh was, rather than a wait. Keys must name everything else an answer
 * depends on (day, cohorts, framework).
 */
export function keptAnswers<T>(): (ctx: ApiContext, version: string, key: string, work: () => Promise<T>) => Promise<T> {
  const kept = new WeakMap<ApiContext, { version: string; byKey: Map<string, Kept<T>>; earlier: Map<string, Kept<T>> }>();
  return (ctx, version, key, work) => {
    let mine = kept.get(ctx);
    if (mine?.version !== version) kept.set(ctx, (mine = { version, byKey: new Map(), earlier: mine?.byKey ?? new Map() }));
    const { byKey, earlier } = mine;
    const found = byKey.get(key);
    if (found) return found.answer;
    const entry: Kept<T> = { answer: work(), ready: false };
    byKey.set(key, entry);
    entry.answer.then(
      () => (entry.ready = true),
      () => byKey.delete(key),
    );
    const last = earlier.get(key);
    return last?.ready ? last.answer : entry.answer;
  };
}
