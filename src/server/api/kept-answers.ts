import type { ApiContext } from './api-context.js';

/**
 * Answers kept while what they were computed from stays the same (`version`: the last status
 * refresh, say): one per key, the others dropped when the version moves. A failed answer is
 * not kept. Concurrent asks for one key share one computation.
 */
export function keptAnswers<T>(): (ctx: ApiContext, version: string, key: string, work: () => Promise<T>) => Promise<T> {
  const kept = new WeakMap<ApiContext, { version: string; byKey: Map<string, Promise<T>> }>();
  return (ctx, version, key, work) => {
    let mine = kept.get(ctx);
    if (mine?.version !== version) kept.set(ctx, (mine = { version, byKey: new Map() }));
    const byKey = mine.byKey;
    let answer = byKey.get(key);
    if (!answer) {
      answer = work();
      byKey.set(key, answer);
      answer.catch(() => byKey.delete(key));
    }
    return answer;
  };
}
