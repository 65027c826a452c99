/**
 * The inverse of a small symmetric positive-definite matrix (regression cross-products, k of a
 * few dozen at most), by Cholesky factorisation. Throws when the matrix is singular, which for
 * a design matrix means collinear columns.
 */
export function invertSymmetric(a: readonly (readonly number[])[]): number[][] {
  const k = a.length;
  const l: number[][] = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const scale = Math.max(...a.map((row, i) => Math.abs(row[i])), 1e-300);
  for (let j = 0; j < k; j++) {
    let d = a[j][j];
    for (let m = 0; m < j; m++) d -= l[j][m] * l[j][m];
    // Relative to the largest diagonal: a column that adds nothing new leaves ~0 here.
    if (!(d > scale * 1e-12)) throw new Error(`invalid matrix: singular at column ${j} (collinear columns?)`);
    l[j][j] = Math.sqrt(d);
    for (let i = j + 1; i < k; i++) {
      let s = a[i][j];
      for (let m = 0; m < j; m++) s -= l[i][m] * l[j][m];
      l[i][j] = s / l[j][j];
    }
  }
  // inv(A) = inv(L)' inv(L); invert the triangle column by column.
  const li: number[][] = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let j = 0; j < k; j++) {
    li[j][j] = 1 / l[j][j];
    for (let i = j + 1; i < k; i++) {
      let s = 0;
      for (let m = j; m < i; m++) s -= l[i][m] * li[m][j];
      li[i][j] = s / l[i][i];
    }
  }
  const out: number[][] = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < k; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let m = i; m < k; m++) s += li[m][i] * li[m][j];
      out[i][j] = s;
      out[j][i] = s;
    }
  }
  return out;
}

/** A · B · A' for a symmetric B (sandwich covariance). */
export function sandwich(a: readonly (readonly number[])[], b: readonly (readonly number[])[]): number[][] {
  const k = a.length;
  const ab = a.map((row) => b[0].map((_, j) => row.reduce((s, v, m) => s + v * b[m][j], 0)));
  return Array.from({ length: k }, (_, i) => Array.from({ length: k }, (_, j) => ab[i].reduce((s, v, m) => s + v * a[j][m], 0)));
}
