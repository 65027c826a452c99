/** Outcome of checking one input: the value, or why it was rejected. Rejections are data, not exceptions. */
export type Checked<T> = { ok: true; value: T } | { ok: false; reject: Rejection };

/** Why an input was rejected: a snake_case reason code (a metric label too), the field, and words for a person. */
export interface Rejection {
  reason: string;
  field?: string;
  message: string;
}

export const ok = <T>(value: T): Checked<T> => ({ ok: true, value });
export const rejected = (reason: string, message: string, field?: string): Checked<never> => ({
  ok: false,
  reject: field === undefined ? { reason, message } : { reason, field, message },
});
