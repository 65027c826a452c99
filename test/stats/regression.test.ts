import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  differenceInDifferences,
  linearCombination,
  linearRegression,
  logisticRegression,
  mulberry32,
  segmentedRegression,
  type PanelRow,
} from '../../src/stats/index.js';
import { assertClose } from './helpers.js';

// Reference figures from statsmodels 0.13.5 (Debian bookworm), scripts in the comments.
const x1 = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
const x2 = [2, 1, 4, 3, 6, 5, 8, 9, 7, 12, 10, 11];
const y = [3.1, 2.9, 5.2, 4.8, 7.9, 6.1, 9.5, 10.2, 8.8, 13.1, 11.7, 12.9];
const X = x1.map((v, i) => [1, v, x2[i]]);

const closeAll = (actual: readonly number[], expected: readonly number[], tol: number, what: string) =>
  expected.forEach((e, i) => assertClose(actual[i], e, tol, `${what}[${i}]`));

describe('linearRegression', () => {
  test('classical: sm.OLS(y, X).fit()', () => {
    const fit = linearRegression(X, y);
    closeAll(fit.coefficients, [1.4767749699157655, 0.16417970316887276, 0.8419574809466503], 1e-10, 'beta');
    closeAll(fit.standardErrors, [0.19534101978895219, 0.07507022483030926, 0.07507022483030927], 1e-10, 'se');
    assertClose(fit.rss, 0.8842278379462509, 1e-10, 'rss');
  });

  test("cluster: fit(cov_type='cluster', groups=[0,0,0,1,1,1,2,2,2,3,3,3])", () => {
    const fit = linearRegression(X, y, { type: 'cluster', clusters: [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3] });
    closeAll(fit.standardErrors, [0.04968775750904114, 0.09064129441266136, 0.08505176114508568], 1e-10, 'se');
    assert.equal(fit.clusters, 4);
  });

  test('linear combination: β1 − β2 and its variance from the covariance', () => {
    const fit = linearRegression(X, y);
    const c = linearCombination(fit, [0, 1, -1]);
    assertClose(c.estimate, 0.16417970316887276 - 0.8419574809466503, 1e-10);
    const v = fit.covariance;
    assertClose(c.se, Math.sqrt(v[1][1] + v[2][2] - 2 * v[1][2]), 1e-12);
  });

  test('collinear columns and bad input are named', () => {
    assert.throws(() => linearRegression(x1.map((v) => [1, v, 2 * v]), y), /invalid matrix: singular at column 2/);
    assert.throws(() => linearRegression([[1, 2]], [1]), /invalid n: 1 rows for 2 coefficients/);
    assert.throws(() => linearRegression(X, y.map((v, i) => (i === 3 ? NaN : v))), /invalid y\[3\]: NaN/);
  });
});

describe('logisticRegression', () => {
  test('sm.Logit(y, X).fit(tol=1e-12): coefficients, standard errors, log-likelihood', () => {
    const xl = [0.5, 1.2, -0.3, 2.2, 1.9, -1.1, 0.0, 0.8, 1.5, -0.7, 2.8, 0.3, 1.1, -1.6, 0.9, 2.0, -0.2, 1.7, 0.4, -0.9];
    const zl = [1, 0, 1, 1, 0, 0, 1, 0, 1, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 0];
    const yl = [1, 1, 0, 1, 1, 0, 0, 1, 1, 0, 1, 0, 1, 0, 0, 1, 0, 1, 1, 0] as const;
    const fit = logisticRegression(xl.map((v, i) => [1, v, zl[i]]), [...yl]);
    assert.equal(fit.converged, true);
    closeAll(fit.coefficients, [-1.0522717553011114, 3.9530909093624365, -1.107226810192866], 1e-6, 'beta');
    closeAll(fit.standardErrors, [1.88959153918745, 1.9472468761712443, 2.067993170310917], 1e-5, 'se');
    assertClose(fit.logLikelihood, -4.287333801770253, 1e-9, 'llf');
    // Fitted probabilities are the logistic of the linear predictor.
    const eta = fit.coefficients[0] + fit.coefficients[1] * xl[0] + fit.coefficients[2] * zl[0];
    assertClose(fit.fitted[0], 1 / (1 + Math.exp(-eta)), 1e-12);
  });

  test('perfect separation does not converge and says so; a ridge keeps it finite', () => {
    const xs = [[1, -2], [1, -1], [1, 1], [1, 2]];
    const ys = [0, 0, 1, 1] as const;
    assert.equal(logisticRegression(xs, [...ys], { maxIterations: 25 }).converged, false);
    const ridged = logisticRegression(xs, [...ys], { ridge: 1 });
    assert.equal(ridged.converged, true);
    assert.ok(Number.isFinite(ridged.coefficients[1]) && ridged.coefficients[1] > 0);
  });
});

describe('segmentedRegression (interrupted time series)', () => {
  // t = 0..15, break at 10, weights 50..200. By hand in numpy/statsmodels: rows times √w;
  // ρ = Σe_t·e_{t−1}/Σe_t² from sm.OLS on those; rows 2.. minus ρ × the row before, row 1 times
  // √(1 − ρ²); sm.OLS again. Interval: t with 12 df (scipy t.ppf(0.975, 12) = 2.178813).
  const t = [...Array(16).keys()];
  const ys = [10.0, 10.4, 10.1, 10.9, 11.2, 11.0, 11.8, 12.1, 11.9, 12.6, 15.2, 15.1, 15.9, 16.3, 16.0, 16.8];
  const wavy = [10.0, 10.3, 10.5, 10.9, 10.8, 10.6, 11.0, 11.5, 11.9, 12.1, 14.6, 15.0, 15.7, 15.9, 15.6, 15.5];
  const weights = t.map((i) => 50 + 10 * i);

  test('level and slope change, weighted, with AR(1) errors', () => {
    const its = segmentedRegression(t, wavy, 10, { weights });
    assertClose(its.rho, 0.2852253351516376, 1e-10, 'rho');
    closeAll(its.fit.coefficients, [9.90229314319415, 0.2375070364906735, 2.6181382848418373, -0.06137484707814567], 1e-9, 'beta');
    closeAll(its.fit.standardErrors, [0.3045327095576844, 0.04877573442187344, 0.31403936433350355, 0.0891847967481235], 1e-9, 'se');
    assertClose(its.level.estimate, 2.6181382848418373, 1e-9);
    // Mean post effect: c = [0, 0, 1, mean(t − 10 | post) = 2.5].
    assertClose(its.effect.estimate, 2.4647011671464734, 1e-9);
    assertClose(its.effect.se, 0.37849227299396226, 1e-9);
    assertClose(its.effect.low, 2.4647011671464734 - 2.1788128296634177 * 0.37849227299396226, 1e-7);
    assertClose(its.counterfactual[12], 9.90229314319415 + 0.2375070364906735 * 12, 1e-9);
  });

  test('a negative lag-1 autocorrelation is not corrected: the fit is plain least squares', () => {
    // OLS residuals of this series correlate at −0.49; sm.OLS gives these standard errors.
    const its = segmentedRegression(t, ys, 10);
    assert.equal(its.rho, 0);
    closeAll(its.fit.coefficients, [9.934545454545464, 0.28121212121212097, 2.3438095238095205, 0.03593073593073748], 1e-9, 'beta');
  });

  test('with fewer than 3 post points only the level is fitted', () => {
    const its = segmentedRegression(t.slice(0, 12), ys.slice(0, 12), 10);
    assert.equal(its.slope, null);
    assert.equal(its.fit.coefficients.length, 3);
    assert.throws(() => segmentedRegression([0, 1, 2], [1, 2, 3], 1), /invalid t: 1 points before the break/);
  });

  test('calibration: on 2,000 null series of 66 weekly points the 95% interval misses about 5% of the time', () => {
    const random = mulberry32(11);
    const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    let misses = 0;
    for (let r = 0; r < 2000; r++) {
      const y = Array.from({ length: 66 }, normal);
      const fit = segmentedRegression([...Array(66).keys()], y, 52);
      if (fit.effect.low > 0 || fit.effect.high < 0) misses++;
    }
    // Binomial(2000, 0.05) stays within 0.03–0.08 except with probability below 1e-5.
    assert.ok(misses / 2000 > 0.03 && misses / 2000 < 0.08, `missed ${misses} of 2000`);
  });
});

describe('differenceInDifferences', () => {
  // 8 units (0–3 treated), periods 0 and 1 before, 2 after; some unit-periods missing.
  // sm.OLS(y, [1, T, D0, D2, T·D0, T·D2]).fit(cov_type='cluster', groups=unit); the pre-trend
  // is wald_test on T·D0 (use_f=False).
  const raw: [number, number, number, number][] = [
    [0, 1, 1, 1.828], [0, 1, 2, 3.275], [1, 1, 0, 1.221], [1, 1, 1, 2.098], [1, 1, 2, 2.822], [2, 1, 0, 1.422], [2, 1, 1, 2.37],
    [2, 1, 2, 2.947], [3, 1, 0, 1.487], [3, 1, 1, 2.019], [4, 0, 0, 1.338], [4, 0, 2, 1.591], [5, 0, 1, 1.476], [5, 0, 2, 1.308],
    [6, 0, 0, 0.89], [6, 0, 1, 1.169], [6, 0, 2, 1.2], [7, 0, 0, 0.547], [7, 0, 1, 0.812], [7, 0, 2, 1.528],
  ];
  const rows: PanelRow[] = raw.map(([unit, t, period, yv]) => ({ unit, treated: t === 1, period, y: yv }));

  test('estimate, clustered standard error and pre-trend test', () => {
    const did = differenceInDifferences(rows, { periods: 3 });
    assertClose(did.estimate, 0.6814999999999988, 1e-10);
    assertClose(did.se, 0.35239516206334875, 1e-10);
    assertClose(did.preTrend!.chiSquare, 3.2880521665621782, 1e-8);
    assertClose(did.preTrend!.pValue, 0.06978576408254872, 1e-8);
    // Means by hand: treated post (3.275 + 2.822 + 2.947)/3, control post (1.591 + 1.308 + 1.2 + 1.528)/4.
    assertClose(did.means.treated[2], (3.275 + 2.822 + 2.947) / 3, 1e-12);
    assertClose(did.means.control[2], (1.591 + 1.308 + 1.2 + 1.528) / 4, 1e-12);
    // The model is saturated (a mean per group and period), so the estimate is the plain
    // difference of the cell means' gaps even with units missing from some periods.
    const gap = (p: number) => did.means.treated[p] - did.means.control[p];
    assertClose(did.estimate, gap(2) - gap(1), 1e-10);
  });

  test('two periods: no pre-trend test; an empty cell gives NaN', () => {
    const two = differenceInDifferences(rows.filter((r) => r.period > 0).map((r) => ({ ...r, period: r.period - 1 })), { periods: 2 });
    assert.equal(two.preTrend, null);
    const gap = (p: number) => two.means.treated[p] - two.means.control[p];
    assertClose(two.estimate, gap(1) - gap(0), 1e-10);
    assert.ok(Number.isNaN(differenceInDifferences(rows.filter((r) => !(r.treated && r.period === 2)), { periods: 3 }).estimate));
  });
});
