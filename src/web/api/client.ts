import type { ErrorCode } from '../../contracts/common.ts';

/** One field problem from an `invalid_input` error. */
export interface FieldIssue {
  path: string;
  message: string;
}

/** A non-2xx answer from the API, carrying the server's stable error code. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: ErrorCode | 'network';
  readonly details: unknown;

  constructor(status: number, code: ErrorCode | 'network', message: string, details?: unknown) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }

  /** Field issues of an `invalid_input` error, keyed by the first path segment. */
  fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    if (this.code !== 'invalid_input' || !Array.isArray(this.details)) return out;
    for (const issue of this.details as unknown[]) {
      if (!issue || typeof issue !== 'object') continue;
      const { path, message } = issue as Partial<FieldIssue>;
      if (typeof message !== 'string') continue;
      const key = String(path ?? '').split(/[.[]/)[0] ?? '';
      out[key] ??= message;
    }
    return out;
  }
}

export const isApiError = (e: unknown): e is ApiError => e instanceof ApiError;

/** Field errors of any thrown value; empty unless it is an `invalid_input` ApiError. */
export const fieldErrorsOf = (e: unknown): Record<string, string> => (isApiError(e) ? e.fieldErrors() : {});

/** Why the server refused a link's token: `invalid`, `used` or `expired` (the issue on `token`). */
export function tokenProblem(e: unknown): 'invalid' | 'used' | 'expired' | undefined {
  if (!isApiError(e) || !Array.isArray(e.details)) return undefined;
  const issue = (e.details as { path?: unknown; message?: unknown }[]).find((d) => d?.path === 'token');
  const m = issue?.message;
  return m === 'invalid' || m === 'used' || m === 'expired' ? m : undefined;
}

/** A message fit for a notification or an alert. */
export function errorMessage(e: unknown): string {
  if (isApiError(e)) {
    if (e.code === 'invalid_input') {
      const issues = Object.values(e.fieldErrors());
      return issues.length > 0 ? `${e.message}: ${issues.join('; ')}` : e.message;
    }
    return e.message;
  }
  return e instanceof Error ? e.message : 'Something went wrong';
}

type Query = Record<string, string | number | null | undefined>;

/** Builds `path?query`, leaving out empty values. */
export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue;
    params.set(k, String(v));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  body?: unknown;
  query?: Query;
  signal?: AbortSignal;
}

/** Calls the same-origin JSON API; resolves to the parsed body (undefined for 204). */
export async function api<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(withQuery(`/api${path}`, opts.query), {
      method: opts.method ?? 'GET',
      credentials: 'same-origin',
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: opts.signal,
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new ApiError(0, 'network', 'Cannot reach the server. Check your connection and try again.');
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let data: unknown = undefined;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = undefined;
    }
  }
  if (!res.ok) {
    const err = (data as { error?: { code?: ErrorCode; message?: string; details?: unknown } } | undefined)
      ?.error;
    throw new ApiError(
      res.status,
      err?.code ?? fallbackCode(res.status),
      err?.message ?? (res.statusText || `Request failed (${res.status})`),
      err?.details,
    );
  }
  return data as T;
}

function fallbackCode(status: number): ErrorCode {
  if (status === 400) return 'invalid_input';
  if (status === 401) return 'unauthenticated';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 409) return 'conflict';
  if (status === 422) return 'unprocessable';
  if (status === 429) return 'rate_limited';
  if (status === 503) return 'unavailable';
  return 'internal';
}

/** A cursor page, as every list endpoint returns. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
