/**
 * The dashboard's one way to the API: the token the person gave (kept for the tab's life in
 * sessionStorage), JSON in and out, errors as ApiFailure with the API's own message.
 */

const TOKEN_KEY = 'cairn-token';

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly parameter?: string,
  ) {
    super(message);
  }
}

export const token = {
  get: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  set: (value: string) => sessionStorage.setItem(TOKEN_KEY, value.trim()),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

const headers = (extra: Record<string, string> = {}): Record<string, string> => {
  const t = token.get();
  return { ...extra, ...(t ? { authorization: `Bearer ${t}` } : {}) };
};

async function failure(res: Response): Promise<ApiFailure> {
  const body = (await res.json().catch(() => null)) as { error?: string; parameter?: string } | null;
  return new ApiFailure(res.status, body?.error ?? `${res.status} ${res.statusText}`, body?.parameter);
}

/** A query string from defined values only. */
export function query(params: Record<string, string | number | boolean | null | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

export async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(`/api/v1${path}`, { headers: headers() });
  if (!res.ok) throw await failure(res);
  return (await res.json()) as T;
}

export async function getText(path: string): Promise<string> {
  const res = await fetch(`/api/v1${path}`, { headers: headers() });
  if (!res.ok) throw await failure(res);
  return res.text();
}

export async function postJson<T>(path: string, body: unknown): Promise<T> {
  const res = await fetch(`/api/v1${path}`, { method: 'POST', headers: headers({ 'content-type': 'application/json' }), body: JSON.stringify(body) });
  if (!res.ok) throw await failure(res);
  return (await res.json()) as T;
}
