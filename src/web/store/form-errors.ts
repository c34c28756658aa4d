import { isApiError } from '../api/client.ts';

/**
 * The field messages of a refused form, by full path (`billingAddress.city`): a 400 from the request
 * schema or a 422 with details (a company name required by the store's settings, say).
 */
export function serverFieldErrors(e: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isApiError(e) || !Array.isArray(e.details)) return out;
  for (const issue of e.details as { path?: unknown; message?: unknown }[]) {
    if (typeof issue?.path === 'string' && typeof issue.message === 'string')
      out[issue.path] ??= issue.message;
  }
  return out;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export const looksLikeEmail = (value: string) => EMAIL.test(value.trim());

/** After a refused submit, takes the keyboard (and the screen reader) to the first field to fix. */
export function focusFirstInvalid(form: HTMLFormElement | null): void {
  requestAnimationFrame(() => form?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
}
