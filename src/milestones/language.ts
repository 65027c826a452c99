import type { MilestonesConfig } from '../config/index.js';
import { journeyStages } from './stages.js';
import { milestoneDefinition, milestoneLabel } from './terms.js';

/**
 * The framework's one language: every name, label and definition a person reads about a
 * milestone, a stage, a setup step or a segment, and the words for a change, all from
 * milestones.yaml. The CLI, the API, the review, webhooks, Slack posts and the in-product
 * checklist say them through here, so a label changed in the file reads the same everywhere.
 */

/** A milestone as people read it: its label (the name when it has none) and what reaching it takes. */
export interface MilestoneTerm {
  name: string;
  label: string;
  description: string | null;
  /** What reaching it takes, with its figures: `at least 20 closed conversation within 90 days of signup`. */
  definition: string;
}

export interface StageTerm {
  name: string;
  label: string;
}

export interface SegmentTerm {
  name: string;
  expression: string;
}

/** A change of the milestone_changes or segment_changes feed, enough to say it in words. */
export interface ChangeWords {
  kind: 'milestone' | 'stage' | 'segment';
  name: string;
  change: 'reached' | 'lost' | 'entered' | 'left';
  previous?: string | null;
}

/** The words for one framework. */
export class FrameworkLanguage {
  private readonly stages: Map<string, StageTerm>;

  constructor(readonly framework: MilestonesConfig) {
    this.stages = new Map(journeyStages(framework).map((s) => [s.name, { name: s.name, label: s.label }]));
  }

  /** A milestone's term; a name the framework no longer has reads as itself. */
  milestone(name: string): MilestoneTerm {
    const m = Object.hasOwn(this.framework.milestones, name) ? this.framework.milestones[name] : undefined;
    return { name, label: milestoneLabel(name, m), description: m?.description ?? null, definition: m ? milestoneDefinition(m) : name };
  }

  stage(name: string): StageTerm {
    return this.stages.get(name) ?? { name, label: name };
  }

  /** A setup step's label: its `label`, else its id. */
  step(milestone: string, id: string): string {
    const m = Object.hasOwn(this.framework.milestones, milestone) ? this.framework.milestones[milestone] : undefined;
    return (m?.kind === 'checklist' ? m.steps.find((s) => s.id === id)?.label : undefined) ?? id;
  }

  segment(name: string): SegmentTerm {
    return { name, expression: Object.hasOwn(this.framework.segments, name) ? this.framework.segments[name] : '' };
  }

  /** A change in words, without the account: `reached Activated`, `moved to stage Activated (from Set up)`. */
  change(c: ChangeWords): string {
    switch (c.kind) {
      case 'milestone':
        return `${c.change === 'reached' ? 'reached' : 'lost'} ${this.milestone(c.name).label}`;
      case 'stage': {
        const from = c.previous ? ` (from ${this.stage(c.previous).label})` : '';
        return `${c.change === 'reached' ? 'moved to' : 'moved back to'} stage ${this.stage(c.name).label}${from}`;
      }
      case 'segment':
        return `${c.change === 'entered' ? 'entered' : 'left'} segment ${c.name}`;
    }
  }
}

/** The language of a framework. */
export const frameworkLanguage = (framework: MilestonesConfig): FrameworkLanguage => new FrameworkLanguage(framework);
