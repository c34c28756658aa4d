import type { ErrorCode } from '../../contracts/common.ts';

export type FieldError = { path: string; message: string };

/** The one error type services throw; only the HTTP error handler turns codes into statuses. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const STATUS_BY_CODE: Record<ErrorCode, number> = {
  invalid_input: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  unprocessable: 422,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
};

export const notFound = (what: string) => new AppError('not_found', `${what} was not found`);
export const forbidden = (message = 'You do not have permission to do this', details?: unknown) =>
  new AppError('forbidden', message, details);
export const conflict = (message: string, details?: FieldError[]) =>
  new AppError('conflict', message, details);
export const unprocessable = (message: string, details?: FieldError[]) =>
  new AppError('unprocessable', message, details);

/** PostgreSQL's unique_violation, with the constraint or index that was hit. */
export function uniqueViolation(err: unknown): string | undefined {
  const e = err as { code?: string; constraint?: string; message?: string } | null;
  if (e?.code !== '23505') return undefined;
  return e.constraint ?? /"([^"]+)"/.exec(e.message ?? '')?.[1] ?? '';
}

/** PostgreSQL's foreign_key_violation, with the constraint that was hit. */
export function foreignKeyViolation(err: unknown): string | undefined {
  const e = err as { code?: string; constraint?: string; message?: string } | null;
  if (e?.code !== '23503') return undefined;
  return e.constraint ?? /constraint "([^"]+)"/.exec(e.message ?? '')?.[1] ?? '';
}

/** Seconds a client is told to wait (`Retry-After`) when the database is away. */
export const RETRY_AFTER_SECONDS = 5;

// SQLSTATEs of a lost or refused connection: class 08, the server shutting down or starting, no free slots.
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);
const UNAVAILABLE_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
]);
// node-postgres reports a dead socket, a connect timeout and a broken client with these messages, and no code.
const UNAVAILABLE_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|not queryable|Connection ended unexpectedly/;

/**
 * True when `err` says the database is unreachable or dropped the connection (a transient fault, answered 503),
 * rather than refused a statement. Looks into `cause` and an AggregateError's errors (a host with two addresses).
 */
export function isDatabaseUnavailable(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 3) return false;
  const e = err as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  if (code.startsWith('08') || UNAVAILABLE_SQLSTATES.has(code) || UNAVAILABLE_NODE_CODES.has(code))
    return true;
  if (typeof e.message === 'string' && !/^[0-9A-Z]{5}$/.test(code) && UNAVAILABLE_MESSAGES.test(e.message))
    return true;
  if (Array.isArray(e.errors) && e.errors.some((inner) => isDatabaseUnavailable(inner, depth + 1)))
    return true;
  return isDatabaseUnavailable(e.cause, depth + 1);
}
