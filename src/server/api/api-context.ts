import type { Collector, WriteKeyRecord } from '../../collect/index.js';
import type { Workspace } from '../../config/index.js';
import type { Day } from '../../milestones/index.js';
import type { Store } from '../../store/index.js';
import type { ApiRole } from './api-route.js';

/** What the API's routes read: the store, the workspace as last read, the running collector. */
export interface ApiContext {
  store: Store;
  /** The workspace as last read; `cairn serve` reads milestones.yaml and the plan again when they change. */
  workspace(): Workspace;
  /** The collector `cairn serve` runs; null when the API is served without one. */
  collector: Collector | null;
  /** Write keys and dashboard tokens, as `cairn keys list` shows them (no hashes leave the server). */
  keys(): readonly WriteKeyRecord[];
  /** The day figures are judged as of when a request names none. */
  defaultAsOf(): Day;
  /** The role of a request without a token, when the server allows one (loopback only). */
  withoutToken: ApiRole | null;
  version: string;
  /** Called after a quarantine replay stored something (the statuses follow it). */
  onReplayed?: () => void;
}
