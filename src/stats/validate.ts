// Shared input checks; every message reads "invalid <what>: <value>".

/** Throws unless `value` is a non-negative integer count. */
export function checkCount(name: string, value: number, context = ''): void {
  if (!Number.isInteger(value) || value < 0) throw new Error(`invalid ${name}: ${value}${context}`);
}

/** Throws unless `value` lies strictly between 0 and 1. */
export function checkConfidence(value: number): void {
  if (!(value > 0 && value < 1)) throw new Error(`invalid confidence: ${value}`);
}

/** Throws unless `value` lies in [0, 1]. */
export function checkUnitInterval(name: string, value: number): void {
  if (!(value >= 0 && value <= 1)) throw new Error(`invalid ${name}: ${value}`);
}

/** Throws unless every element is a finite number, naming the first bad index. */
export function checkFiniteValues(name: string, values: readonly number[]): void {
  if (!Array.isArray(values)) throw new Error(`invalid ${name}: ${String(values)}`);
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) throw new Error(`invalid ${name}[${i}]: ${values[i]}`);
  }
}
