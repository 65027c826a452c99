/**
 * The engines every store-reading test runs on: a loop over ENGINES, so one test checks every
 * engine alike (Kysely's `for (const dialect of DIALECTS)`). Each `open()` gives a fresh,
 * empty store; `place()` a place whose data every `open()` of it shares (reopening).
 */
import { join } from 'node:path';
import { after, describe } from 'node:test';
import { DuckDbStore } from '../src/store/duckdb/duckdb-store.js';
import type { Store } from '../src/store/index.js';
import { tempDir } from './tmp.js';

export interface TestEngine {
  readonly name: string;
  /** A fresh, empty store, closed when the test file ends. */
  open(): Promise<Store>;
  /** A new place for data: each `open()` opens a store on the same data (the caller closes it). */
  place(): Promise<{ open(): Promise<Store> }>;
}

const duckdb: TestEngine = {
  name: 'duckdb',
  async open() {
    const store = await DuckDbStore.open({ path: ':memory:' });
    after(() => store.close());
    return store;
  },
  async place() {
    const path = join(await tempDir(), 'cairn.duckdb');
    return { open: () => DuckDbStore.open({ path }) };
  },
};

export const ENGINES: readonly TestEngine[] = [duckdb];

/** `describe(title [engine], fn)` once per engine. */
export function describeEngines(title: string, fn: (engine: TestEngine) => void | Promise<void>, options: { timeout?: number } = {}): void {
  for (const engine of ENGINES) describe(`${title} [${engine.name}]`, options, () => fn(engine));
}
