import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { ContactBulkAddInput, ContactBulkAddResult } from '../../contracts/contacts-bulk.ts';
import { api, isApiError } from './client.ts';
import { customerGroupKeys } from './customer-groups.ts';

export type { ContactBulkAddInput, ContactBulkAddResult };

/** The per-line results inside the 422 of an all-or-nothing bulk add, if that is what `e` is. */
export function allOrNothingResults(e: unknown): ContactBulkAddResult | null {
  if (!isApiError(e) || e.status !== 422) return null;
  const details = e.details as Partial<ContactBulkAddResult> | undefined;
  return details && Array.isArray(details.results) ? (details as ContactBulkAddResult) : null;
}

export function useBulkAddContacts() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: ContactBulkAddInput) =>
      api<ContactBulkAddResult>('/contacts/bulk', { method: 'POST', body }),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ['contacts'] });
      void qc.invalidateQueries({ queryKey: ['accounts'] });
      void qc.invalidateQueries({ queryKey: customerGroupKeys.all });
      void qc.invalidateQueries({ queryKey: ['emails'] });
    },
  });
}

/** A CSV of email and password for the lines that got a generated password; cells quoted. */
export function passwordsCsv(result: ContactBulkAddResult): string {
  const quote = (v: string) => `"${v.replace(/"/g, '""')}"`;
  const rows = result.results
    .filter((r) => r.password)
    .map((r) => [r.email, r.password!].map(quote).join(','));
  return ['email,password', ...rows].join('\r\n') + '\r\n';
}
