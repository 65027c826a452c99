import type { AccountStatus, Stage } from '../milestones/index.js';

/** What GET /api/v1/workspace says: the workspace's own names for everything the pages show. */
export interface WorkspaceInfo {
  version: string;
  as_of: string;
  role: 'read' | 'admin';
  without_token: 'read' | 'admin' | null;
  engine: string;
  collector: boolean;
  stages: Stage[];
  milestones: { name: string; label: string; description: string | null; definition: string; kind: string; requires: string[]; config: Record<string, unknown> }[];
  segments: { name: string; expression: string }[];
}

export type AccountRow = AccountStatus & { last_active_day: string | null };

/** What a page is given to draw itself. */
export interface PageContext {
  workspace: WorkspaceInfo;
  /** The day every figure is judged as of (the shell's control). */
  asOf: string;
  /** The route's path after the page's id (`account/ID` → ['ID']). */
  rest: string[];
  params: URLSearchParams;
  /** Goes to another route (`accounts?stage=x`). */
  go(route: string): void;
  /** Shows a message for a person in the shell's status region. */
  notify(text: string): void;
}

/** What a page module gives: how the page draws itself. */
export interface PageBody {
  render(ctx: PageContext): Promise<HTMLElement>;
}

/** One page of the dashboard; the shell lists them in its navigation in this order. */
export interface Page extends PageBody {
  id: string;
  title: string;
  /** Shown in the navigation (pages reached by a link, like one account, are not). */
  nav: boolean;
  /** Starts loading the page's module (its own chunk), so it loads while the shell asks the API. */
  preload(): void;
}

/** A milestone's label, in the workspace's own words. */
export const labelOf = (ws: WorkspaceInfo, milestone: string): string => ws.milestones.find((m) => m.name === milestone)?.label ?? milestone;
export const stageLabel = (ws: WorkspaceInfo, stage: string): string => ws.stages.find((s) => s.name === stage)?.label ?? stage;

/** Where a response's statuses came from (the API's `source`, `framework_version`, `refreshed_at`). */
export interface StatusesSource {
  source: 'materialized' | 'computed';
  framework_version: number | null;
  refreshed_at: string | null;
}

/** The statuses' provenance for a person: stored by a refresh (which framework, when), or computed for this day. */
export const statusesNote = (s: StatusesSource): string =>
  s.source === 'materialized'
    ? `Statuses as stored by the refresh of ${s.refreshed_at ? s.refreshed_at.slice(0, 16).replace('T', ' ') + ' UTC' : '—'} (framework version ${s.framework_version}).`
    : 'Statuses computed for this day (the stored ones are for another day, or behind the data).';

/** A link to a route of the dashboard. */
export const href = (route: string): string => `#/${route}`;
