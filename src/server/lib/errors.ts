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
