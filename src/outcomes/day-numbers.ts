/** Days as whole numbers since 1970-01-01 (UTC): cheap to compare, add and index. */
const DAY_MS = 86_400_000;

export const dayNumber = (text: string): number => Math.round(Date.parse(`${text}T00:00:00Z`) / DAY_MS);
export const dayText = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);
export const dayOfMs = (ms: number): number => Math.floor(ms / DAY_MS);
