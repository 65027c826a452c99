import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DiscoveryEvidence } from '../../src/discover/evidence.js';
import { renderDiscoveryReport } from '../../src/discover/report-html.js';
import { evidenceFixture } from './evidence-fixture.js';

const HOSTILE = `<script>alert(1)</script> & "x"`;
const NAN = { estimate: NaN, low: NaN, high: NaN };

/** Every tag opened is closed, in order (void elements aside). */
function assertBalanced(html: string): void {
  const voids = new Set(['meta', 'br', 'img', 'input', 'link', 'hr']);
  const stack: string[] = [];
  const body = html.replace(/<!doctype[^>]*>/i, '').replace(/<style>[\s\S]*?<\/style>/, '');
  for (const m of body.matchAll(/<(\/?)([a-zA-Z][\w-]*)[^>]*?(\/?)>/g)) {
    const [, close, tag, selfClose] = m;
    if (selfClose || voids.has(tag.toLowerCase())) continue;
    if (!close) stack.push(tag);
    else {
      const open = stack.pop();
      assert.equal(open, tag, `</${tag}> closes <${open ?? 'nothing'}> near offset ${m.index}`);
    }
  }
  assert.deepEqual(stack, [], 'unclosed tags');
}

describe('renderDiscoveryReport', () => {
  const html = renderDiscoveryReport(evidenceFixture());

  it('is one self-contained document: no external URLs, links, fonts or scripts', () => {
    assert.match(html, /^<!doctype html>/);
    assert.equal((html.match(/<html/g) ?? []).length, 1);
    assert.doesNotMatch(html, /\b(src|href)\s*=\s*["']?\s*(https?:)?\/\//i);
    assert.doesNotMatch(html, /https?:/i);
    assert.doesNotMatch(html, /<link/i);
    assert.doesNotMatch(html, /<script/i);
    assert.doesNotMatch(html, /@import|@font-face|url\(/i);
    assertBalanced(html);
  });

  it('draws the importance, threshold-curve, reach, Kaplan–Meier and chain charts as inline SVG', () => {
    const count = (kind: string) => (html.match(new RegExp(`<svg[^>]*data-chart="${kind}"`, 'g')) ?? []).length;
    assert.equal(count('importance'), 1);
    assert.equal(count('threshold'), 2, 'activation and utilization');
    assert.equal(count('reach'), 2);
    assert.equal(count('km'), 4, 'one per milestone');
    assert.equal(count('chain'), 4, 'one per link');
  });

  it('shows what was analysed, the warnings and the proposed milestones in words', () => {
    assert.match(html, /Data as of <strong>2025-06-30<\/strong>/);
    assert.match(html, /still a customer 365 days after signup/);
    assert.match(html, /980 accounts too young to judge/);
    assert.match(html, /120 accounts churned within the first 90 days/);
    assert.match(html, /2 warnings/);
    assert.match(html, /214 accounts have no seat count/);
    assert.match(html, /at least 18 closed conversation within 90 days/);
    assert.match(html, /≥ 2.5 closed conversation \(state = resolved\) per seat per month/);
    assert.match(html, /chosen on 41,250 account-months of the earlier cohorts/);
    assert.match(html, /Chosen on<\/dt><dd>1,800 accounts signed up 2023-01 to 2023-12/);
    assert.match(html, /Judged on<\/dt><dd>1,300 accounts held out, signed up 2024-01 to 2024-06/);
    assert.match(html, /associations in observational data, not causes/);
    assert.match(html, /<div class="verdict">Proposed: setup, activation, utilization, maturity/);
    assert.match(html, /<strong>Proposed<\/strong>: held-out Youden&#39;s J \(accounts\) 0\.\d+\s+on 1,300 accounts, against 0\.11 at the 95th percentile of 200 permutations/);
    assert.match(html, /On the 1,300 held-out accounts \(signed up 2024-01 to 2024-06\), which no choice saw/);
    assert.match(html, /mature use in at least 2 of 2 categories within 90 days/);
    assert.match(html, /at least 3 of these 4 steps/);
    assert.match(html, /6 of 200 bootstrap resamples/, 'a threshold section warning');
  });

  it('shows every flagged feature with its reason', () => {
    const e = evidenceFixture();
    for (const f of e.features.filter((x) => x.flags.length)) {
      for (const reason of f.flag_reasons) assert.ok(html.includes(reason.replace(/'/g, '&#39;')), `reason for ${f.key}`);
    }
    assert.match(html, /class="badge ubiquitous"/);
    assert.match(html, /class="badge premium_niche"/);
  });

  it('formats numbers: percentages, intervals, tiny p-values', () => {
    assert.match(html, /66%/, 'retained share');
    assert.match(html, /&lt; 1e-16/, 'a log-rank p of 0');
    assert.match(html, /6\.4e-10/);
    assert.doesNotMatch(html, /NaN|undefined|Infinity|\[object/);
  });

  it('escapes text from the data: feature keys, reasons, steps, milestones', () => {
    const e = evidenceFixture();
    e.features[0].key = HOSTILE;
    e.features[3].flag_reasons = [HOSTILE];
    e.setup!.candidates[0].key = HOSTILE;
    e.setup!.steps[0] = HOSTILE;
    e.maturity!.categories[0].name = HOSTILE;
    e.validation!.milestones[0].milestone = HOSTILE;
    e.validation!.chain[0].from = HOSTILE;
    e.warnings.push(HOSTILE);
    e.activation!.metadata = { [HOSTILE]: HOSTILE };
    const out = renderDiscoveryReport(e);
    assert.doesNotMatch(out, /<script/i);
    assert.ok(!out.includes(HOSTILE));
    assert.ok(!out.includes('"x"'));
    assert.ok(out.includes('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;'));
    assertBalanced(out);
  });

  it('renders with every section missing and says why', () => {
    const e: DiscoveryEvidence = {
      ...evidenceFixture(),
      warnings: ['only 12 labelled accounts: too few to fit a model or propose activation'],
      model: null,
      features: [],
      setup: null,
      activation: null,
      utilization: null,
      maturity: null,
      validation: null,
    };
    const out = renderDiscoveryReport(e);
    assert.match(out, /Not enough data to propose activation/);
    assert.match(out, /Not enough data to propose utilization/);
    assert.match(out, /Not enough data to propose a setup checklist/);
    assert.match(out, /Not enough data to propose maturity/);
    assert.match(out, /Not enough data to validate the milestones/);
    assert.match(out, /Too little data to fit a model/);
    assert.match(out, /No features/);
    assert.match(out, /not proposed/);
    assert.doesNotMatch(out, /<svg/);
    assertBalanced(out);
  });

  it('says when nothing predicts retention better than chance, and why each milestone is not proposed', () => {
    const e = evidenceFixture();
    e.model!.null_test = { ...e.model!.null_test, observed: 0.52, null_95: 0.57, p_value: 0.31, passed: false };
    e.verdict = { proposed: [], nothing_better_than_chance: true, statement: "Nothing here predicts retention better than chance: the forest's AUC is 0.52." };
    for (const m of [e.setup!, e.activation!, e.utilization!, e.maturity!]) m.proposed = false;
    e.validation = null;
    const out = renderDiscoveryReport(e);
    assert.match(out, /<div class="verdict none">Nothing here predicts retention better than chance/);
    assert.equal((out.match(/<div class="test failed"><strong>Not proposed<\/strong>/g) ?? []).length, 4);
    assert.match(out, /no better than chance, so nothing is proposed/);
    assertBalanced(out);
  });

  it('renders features without a model and NaN or null numbers as dashes', () => {
    const e = evidenceFixture();
    e.model = null;
    for (const f of e.features) {
      Object.assign(f, { importance: null, importance_sd: null, rank: null, rank_low: null, rank_high: null, q_value: null, p_value: null });
      f.retention_users = NAN;
      f.risk_ratio = NAN;
      f.stratified = {};
    }
    e.features[1].prevalence = NaN;
    e.activation!.choice.sensitivity = NAN;
    e.activation!.choice.youdenJ = NaN;
    e.activation!.threshold_interval = { low: NaN, high: NaN };
    e.activation!.later_utilization = null;
    e.utilization!.grid = [];
    e.setup!.candidates[0].median_first_day = null;
    e.setup!.candidates[1].phi = NAN;
    e.maturity!.categories[0].features[0].q_value = null;
    e.validation!.milestones[0].log_rank = { chi_square: NaN, p_value: NaN };
    e.validation!.milestones[1].curve_reached = [];
    e.validation!.milestones[2].curve_reached = [];
    e.validation!.milestones[2].curve_not_reached = [];
    e.validation!.chain[0].rate_given_from = NAN;
    const out = renderDiscoveryReport(e);
    assert.match(out, /No importances: the forest was not fitted/);
    assert.match(out, /No threshold grid to chart/);
    assert.match(out, /No survival curves to chart/);
    assert.match(out, /—/);
    assert.doesNotMatch(out, /NaN|undefined|null|Infinity/);
    assert.equal((out.match(/data-chart="km"/g) ?? []).length, 3, 'a milestone with no curves has no chart');
    assertBalanced(out);
  });

  it('says so when maturity found no mature feature', () => {
    const e = evidenceFixture();
    e.maturity!.mature_in_at_least = 0;
    for (const c of e.maturity!.categories) c.mature = [];
    const out = renderDiscoveryReport(e);
    assert.match(out, /No maturity milestone proposed/);
    assert.match(out, /<span class="stage-name">Maturity<\/span><span class="stage-text">not proposed/);
  });

  it('reads evidence that went through JSON, where NaN became null', () => {
    const e = evidenceFixture();
    e.settings.retention.kind = 'not_dormant';
    e.features[0].retention_users = NAN;
    e.activation!.threshold_interval = { low: NaN, high: NaN };
    e.validation!.milestones[0].curve_reached[3].low = NaN;
    const out = renderDiscoveryReport(JSON.parse(JSON.stringify(e)) as DiscoveryEvidence);
    assert.match(out, /and active in the last 30 days before then/);
    assert.doesNotMatch(out, /NaN|undefined|null|Infinity/);
    assertBalanced(out);
  });

  it('keeps only the top 25 features in the chart but all of them in the table', () => {
    const e = evidenceFixture();
    const base = e.features[1];
    for (let i = 0; i < 30; i++) {
      e.features.push({ ...structuredClone(base), key: `extra feature ${i}`, importance: 0.001 / (i + 1), rank: 13 + i, rank_low: 12 + i, rank_high: 15 + i });
    }
    const out = renderDiscoveryReport(e);
    const chart = out.match(/<svg[^>]*data-chart="importance"[\s\S]*?<\/svg>/)![0];
    assert.equal((chart.match(/class="bar( flagged)?"/g) ?? []).length, 25);
    assert.ok(out.includes('extra feature 29'));
    assert.ok(out.includes(`All ${e.features.length} features`));
  });
});
