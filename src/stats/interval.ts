/** A point estimate with a two-sided confidence interval. */
export interface Interval {
  /** The point estimate; NaN when the data carry no information. */
  estimate: number;
  /** Lower confidence limit. */
  low: number;
  /** Upper confidence limit. */
  high: number;
}
