import { createTwoFilesPatch, FILE_HEADERS_ONLY } from 'diff';
import { parseDocument } from 'yaml';
import { fmt } from './format.js';
import type { Lift, MilestoneReview, Recommendation } from './review-milestone.js';
import { MIN_ACCOUNTS } from './review-milestone.js';

/** The level below which a q-value (Benjamini–Hochberg) counts as a finding. */
export const FALSE_DISCOVERY_RATE = 0.05;

/** A step done by more than this share of accounts, or fewer than 1 − it, tells them apart no more. */
const NO_CONTRAST = 0.95;

const predictive = (l: Lift) => l.lift.low > 1 && l.q < FALSE_DISCOVERY_RATE;
const { pct, num, iv } = fmt;
const liftWords = (l: Lift) =>
  `retention ${pct(l.retention_reached.estimate)} reached vs ${pct(l.retention_not_reached.estimate)} not, lift ${iv(l.lift)}, q ${fmt.q(l.q)} (${l.accounts} accounts, ${l.group} cohorts)`;

/**
 * What to do with one milestone, from its review (q-values set). In order:
 *  - rediscover: it predicted retention on the reference cohorts, no longer does on the
 *    recent ones, and the lift fell (q of the change < 5%): no edit fixes that;
 *  - replace step S (checklists): S is done by nearly every recent account (or nearly none)
 *    though it was not before, or it stopped predicting retention (q of the change < 5%);
 *  - adjust the threshold to X: recent accounts retain as accounts at today's cut did on
 *    the reference cohorts at a cut X whose 95% interval leaves today's out, and the relation
 *    of the score to retention changed (likelihood-ratio q < 5%; see compareCuts);
 *  - keep.
 * Too few judged accounts on either side: keep, and say so.
 */
export function recommend(m: MilestoneReview, q: { change: number; relation: number; steps: readonly number[] }): Recommendation {
  const changeQ = q.change;
  const stepChangeQ = q.steps;
  const { reference: ref, recent: rec } = m;
  if (ref.accounts < MIN_ACCOUNTS || rec.accounts < MIN_ACCOUNTS) {
    return { action: 'keep', summary: `Too few judged accounts to review it (${ref.accounts} reference, ${rec.accounts} recent; at least ${MIN_ACCOUNTS} each).`, evidence: [] };
  }
  const evidence = [`reference: ${liftWords(ref)}`, `recent: ${liftWords(rec)}`];
  if (predictive(ref) && !predictive(rec) && changeQ < FALSE_DISCOVERY_RATE) {
    return {
      action: 'rediscover',
      summary: `${m.label} no longer predicts retention on recent cohorts (the lift fell, q ${fmt.q(changeQ)}): run \`cairn discover\` on recent data.`,
      evidence,
    };
  }
  const steps = m.steps ?? [];
  const flagged: string[] = [];
  const stepEvidence: string[] = [];
  steps.forEach((s, i) => {
    const was = s.reference.prevalence.estimate;
    const now = s.recent.prevalence.estimate;
    const contrastGone = (now >= NO_CONTRAST || now <= 1 - NO_CONTRAST) && was < NO_CONTRAST && was > 1 - NO_CONTRAST;
    const stopped = predictive(s.reference) && !predictive(s.recent) && stepChangeQ[i] < FALSE_DISCOVERY_RATE;
    if (!contrastGone && !stopped) return;
    s.problem = contrastGone
      ? `done by ${pct(now)} of recent accounts (${pct(was)} before): it no longer tells accounts apart`
      : `no longer predicts retention (lift ${iv(s.recent.lift)} recent vs ${iv(s.reference.lift)} before, q of the change ${fmt.q(stepChangeQ[i])})`;
    flagged.push(s.id);
    stepEvidence.push(`step ${s.id}: ${s.problem}; PSI ${num(s.psi)}`);
  });
  if (flagged.length > 0) {
    return {
      action: 'replace_step',
      summary: `Replace step${flagged.length > 1 ? 's' : ''} ${flagged.join(', ')}: take ${flagged.length > 1 ? 'them' : 'it'} out (the diff lowers at_least to match) or put in a step that still separates (\`cairn discover\` ranks them).`,
      evidence: [...evidence, ...stepEvidence],
      steps: flagged,
    };
  }
  const t = m.threshold;
  const e = t?.equivalent;
  const moved = t !== null && e !== undefined && Number.isFinite(e.cut) && (t.current < e.low || t.current > e.high) && q.relation < FALSE_DISCOVERY_RATE;
  const cutWords = t
    ? `on ${t.label}, recent accounts retain as accounts at ${num(t.current)} did before (${pct(t.retention_at_cut.estimate)}) at ${num(e!.cut)} [${num(e!.low)}–${num(e!.high)}, bootstrap 95%]; the relation to retention changed: q ${fmt.q(q.relation)}; Youden's J peaks at ${num(t.best_recent)} recent, ${num(t.best_reference)} before`
    : null;
  if (t && moved) {
    return {
      action: 'adjust_threshold',
      summary: `Adjust ${t.key} from ${num(t.current)} to ${num(e!.cut)}: on recent cohorts the same retention takes ${e!.cut > t.current ? 'more' : 'less'}.`,
      evidence: [...evidence, cutWords!],
      key: t.key,
      value: e!.cut,
    };
  }
  return { action: 'keep', summary: `Keep ${m.label}: it still separates retained accounts as before.`, evidence: [...evidence, ...(cutWords ? [cutWords] : [])] };
}

/**
 * milestones.yaml with the recommended edits, made in its text so everything else (comments,
 * layout, order) stays as the person wrote it, and the unified diff. Null diff when nothing
 * is to edit.
 */
export function proposedFramework(text: string, reviews: readonly MilestoneReview[]): { yaml: string; diff: string | null } {
  const doc = parseDocument(text);
  const edits: { from: number; to: number; text: string }[] = [];
  const scalar = (path: (string | number)[], value: number) => {
    const node = doc.getIn(path, true) as { range?: [number, number, number] } | undefined;
    if (node?.range) edits.push({ from: node.range[0], to: node.range[1], text: String(value) });
  };
  for (const m of reviews) {
    const r = m.recommendation;
    if (r.action === 'adjust_threshold' && r.key && r.value !== undefined) scalar(['milestones', m.milestone, r.key], r.value);
    if (r.action === 'replace_step' && r.steps) {
      const steps = doc.getIn(['milestones', m.milestone, 'steps'], true) as { items: { range?: [number, number, number] }[] } | undefined;
      const ids = ((doc.toJS() as { milestones: Record<string, { steps: { id: string }[] }> }).milestones[m.milestone].steps ?? []).map((s) => s.id);
      for (const id of r.steps) {
        const i = ids.indexOf(id);
        const item = steps?.items[i]?.range;
        if (!item) continue;
        // From the start of the item's "- " line to the start of the next item's (or past its own last line).
        const from = text.lastIndexOf('\n', item[0]) + 1;
        const next = steps!.items[i + 1]?.range;
        const to = next ? text.lastIndexOf('\n', next[0]) + 1 : text.indexOf('\n', item[1] - 1) + 1 || text.length;
        edits.push({ from, to, text: '' });
      }
      const atLeast = doc.getIn(['milestones', m.milestone, 'at_least']) as number | undefined;
      if (atLeast !== undefined) scalar(['milestones', m.milestone, 'at_least'], Math.max(1, Math.min(atLeast - r.steps.length, ids.length - r.steps.length)));
    }
  }
  let yaml = text;
  for (const e of edits.sort((x, y) => y.from - x.from)) yaml = yaml.slice(0, e.from) + e.text + yaml.slice(e.to);
  return { yaml, diff: edits.length ? createTwoFilesPatch('milestones.yaml', 'milestones.yaml (proposed)', text, yaml, '', '', { context: 3, headerOptions: FILE_HEADERS_ONLY }) : null };
}
