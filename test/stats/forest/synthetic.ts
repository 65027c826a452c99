import { mulberry32, type Dataset } from '../../../src/stats/index.js';

/**
 * rows × features uniform(−1, 1) values where only x0, x1 and x2 matter:
 * P(y = 1) = logistic(3·x0 + 6·x1·x2). Seeded, so every test sees the same data.
 */
export function syntheticDataset(rows: number, features: number, seed: number): Dataset {
  const random = mulberry32(seed);
  const x = new Float64Array(rows * features);
  const y = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) {
    for (let f = 0; f < features; f++) x[i * features + f] = random() * 2 - 1;
    const z = 3 * x[i * features] + 6 * x[i * features + 1] * x[i * features + 2];
    y[i] = random() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  }
  return { rows, features, x, y };
}

/** The same data with y shuffled, so no feature predicts it. */
export function shuffledOutcome(data: Dataset, seed: number): Dataset {
  const random = mulberry32(seed);
  const y = data.y.slice();
  for (let i = y.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [y[i], y[j]] = [y[j], y[i]];
  }
  return { ...data, y };
}

/** Rows [start, end) of a data set, as a data set. */
export function sliceRows(data: Dataset, start: number, end: number): Dataset {
  const f = data.features;
  return { rows: end - start, features: f, x: data.x.slice(start * f, end * f), y: data.y.slice(start, end) };
}

/**
 * One behaviour measured four times: columns 0–3 are a latent a ~ uniform(−1, 1) plus noise
 * (SD 0.3 each), and P(y = 1) = logistic(5·a). Columns 4–7 measure another latent the same way
 * that has no effect on y; columns 8–15 are independent noise. Seeded.
 */
export function groupedDataset(rows: number, seed: number): Dataset {
  const random = mulberry32(seed);
  const features = 16;
  const x = new Float64Array(rows * features);
  const y = new Uint8Array(rows);
  const noise = () => (random() + random() + random() - 1.5) * 0.6; // SD 0.3
  for (let i = 0; i < rows; i++) {
    const a = random() * 2 - 1;
    const b = random() * 2 - 1;
    for (let c = 0; c < 4; c++) x[i * features + c] = a + noise();
    for (let c = 4; c < 8; c++) x[i * features + c] = b + noise();
    for (let c = 8; c < 16; c++) x[i * features + c] = random() * 2 - 1;
    y[i] = random() < 1 / (1 + Math.exp(-5 * a)) ? 1 : 0;
  }
  return { rows, features, x, y };
}

/** The four groups of {@link groupedDataset}: the signal, a correlated non-signal, two noise. */
export const GROUPS = [
  [0, 1, 2, 3],
  [4, 5, 6, 7],
  [8, 9, 10, 11],
  [12, 13, 14, 15],
];

/**
 * Product-usage counts: 6 behaviours × (used, count, active days of 30, count per seat), about
 * 65% zeros. An account adopts a behaviour with its own rate (20%–50%); counts are heavy-tailed.
 * P(y = 1) = logistic(3·[behaviour 0's count ≥ 5] + 0.2·behaviour 1's days − 1.5). Seeded.
 */
export function usageDataset(rows: number, seed: number): Dataset {
  const random = mulberry32(seed);
  const behaviours = 6;
  const features = 4 * behaviours;
  const x = new Float64Array(rows * features);
  const y = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) {
    const seats = 1 + Math.floor(random() * 10);
    for (let b = 0; b < behaviours; b++) {
      if (random() >= 0.2 + 0.06 * b) continue;
      const count = Math.ceil(Math.exp(3 * random() * random()) * (1 + random() * 4));
      const c = i * features + 4 * b;
      x[c] = 1;
      x[c + 1] = count;
      x[c + 2] = Math.min(count, 30, 1 + Math.floor(random() * 30));
      x[c + 3] = Math.round((count / seats) * 1e4) / 1e4;
    }
    const z = 3 * (x[i * features + 1] >= 5 ? 1 : 0) + 0.2 * x[i * features + 6] - 1.5;
    y[i] = random() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  }
  return { rows, features, x, y };
}
