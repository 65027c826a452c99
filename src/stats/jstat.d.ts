// jstat ships no types and has no @types package; only what Cairn calls is declared.
declare module 'jstat' {
  interface JStat {
    normal: {
      /** Quantile of the normal distribution with the given mean and standard deviation. */
      inv(p: number, mean: number, std: number): number;
      cdf(x: number, mean: number, std: number): number;
    };
    studentt: {
      /** Quantile of Student's t with `df` degrees of freedom. */
      inv(p: number, df: number): number;
      cdf(x: number, df: number): number;
    };
    binomial: {
      /** P(X ≤ k) for X ~ Binomial(n, p). */
      cdf(k: number, n: number, p: number): number;
    };
    /** Natural log of the gamma function. */
    gammaln(x: number): number;
  }
  const jStat: JStat;
  export = jStat;
}
