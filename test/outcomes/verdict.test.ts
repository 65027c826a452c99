import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decideVerdict, type DesignResult, type VerdictInput, type Measurement } from '../../src/outcomes/index.js';


const designOf = (grade: DesignResult['grade'], estimate: number, low: number, high: number): DesignResult => ({
  name: grade === 'D' ? 'propensity_strata' : 'randomized_holdout',
  label: grade === 'D' ? 'Adopters vs non-adopters' : 'Randomized holdout',
  grade,
  applicable: true,
  why_not: null,
  eligible: true,
  estimate,
  low,
  high,
  se: (high - low) / 3.92,
  p_value: 0.01,
  treated: { n: 500, value: 0.8 },
  control: { n: 500, value: 0.8 - estimate },
  power: 0.9,
  placebo: null,
  diagnostics: {},
  caveats: [],
  claims: '',
  cannot_claim: '',
});

const measured = (d: DesignResult | null, o: { direction?: 'increase' | 'decrease'; expected?: number | null } = {}): Measurement => ({
  metric: { kind: 'retention', days: 90 },
  label: 'still a customer 90 days after exposure',
  direction: o.direction ?? 'increase',
  target: { absolute: 0.03 },
  scale: 'proportion',
  expected: o.expected === undefined ? (o.direction === 'decrease' ? -0.03 : 0.03) : o.expected,
  confidence: 0.95,
  primary: d,
  designs: d ? [d] : [],
});

const base: Omit<VerdictInput, 'outcome'> = { launchedAt: '2026-01-05', launchDay: 100, at: 200, firstCheckpoint: 30, preRegistered: true, firstDeclared: null, instrumented: true, gateProblem: null };
const verdict = (outcome: Measurement | null, over: Partial<Omit<VerdictInput, 'outcome'>> = {}) => decideVerdict({ ...base, ...over, outcome });

describe('verdict', () => {
  test('met: the interval excludes no effect and the estimate reaches the target', () => {
    const v = verdict(measured(designOf('A', 0.05, 0.02, 0.08)));
    assert.equal(v.verdict, 'met');
    assert.equal(v.reason, 'Randomized holdout: +5.0 pts [+2.0 pts, +8.0 pts] (95%), reaching the target +3.0 pts.');
  });

  test('not met: even the interval’s far end falls short of the target (a null effect measured well)', () => {
    assert.equal(verdict(measured(designOf('A', 0.001, -0.01, 0.012))).verdict, 'not_met');
  });

  test('inconclusive: the interval holds no effect and the target alike, or a real effect below target', () => {
    assert.equal(verdict(measured(designOf('A', 0.02, -0.01, 0.05))).verdict, 'inconclusive');
    const small = verdict(measured(designOf('A', 0.02, 0.005, 0.035)));
    assert.equal(small.verdict, 'inconclusive');
    assert.match(small.reason, /a real increase so far, smaller than the target/);
  });

  test('an observational design never gives "met", however clear', () => {
    const v = verdict(measured(designOf('D', 0.09, 0.06, 0.12)));
    assert.equal(v.verdict, 'inconclusive');
    assert.match(v.reason, /an association, not that the launch caused it/);
    assert.equal(verdict(measured(designOf('D', 0.0, -0.01, 0.01))).verdict, 'not_met', 'but it can say not met');
  });

  test('a decrease is judged in its own direction', () => {
    assert.equal(verdict(measured(designOf('A', -0.05, -0.08, -0.02), { direction: 'decrease' })).verdict, 'met');
    assert.equal(verdict(measured(designOf('A', 0.05, 0.02, 0.08), { direction: 'decrease' })).verdict, 'not_met');
  });

  test('too early: not launched, before the first checkpoint, or no window closed yet', () => {
    const d = measured(designOf('A', 0.05, 0.02, 0.08));
    assert.equal(verdict(d, { launchedAt: undefined, launchDay: null }).verdict, 'too_early');
    assert.match(verdict(d, { at: 120 }).reason, /^The first checkpoint \(30 days\) is on /);
    const none = measured(null);
    none.designs = [{ ...designOf('A', 0, 0, 0), applicable: false, why_not: 'too few accounts' }];
    assert.equal(verdict(none, { at: 135 }).verdict, 'too_early');
    assert.equal(verdict(none, { at: 400 }).verdict, 'inconclusive');
  });

  test('every design that ran failed its check: inconclusive, naming the failure', () => {
    const failed = { ...designOf('B', 0.05, 0.02, 0.08), eligible: false, caveats: ['the placebo found an effect one window before launch, where there was none'] };
    const v = verdict({ ...measured(null), designs: [failed] });
    assert.equal(v.verdict, 'inconclusive');
    assert.match(v.reason, /failed its own check \(the placebo found an effect one window before launch/);
  });

  test('not pre-registered, not instrumented, nothing declared: inconclusive, saying why', () => {
    const d = measured(designOf('A', 0.05, 0.02, 0.08));
    assert.match(verdict(d, { preRegistered: false, firstDeclared: '2026-02-01T00:00:00.000Z' }).reason, /first declared on 2026-02-01, after launch/);
    assert.match(verdict(d, { instrumented: false, gateProblem: 'activation: (used, x) has not arrived' }).reason, /not instrumented \(activation: \(used, x\) has not arrived\)/);
    assert.equal(verdict(null).verdict, 'inconclusive');
  });
});
