import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import type { Invoice } from '../../contracts/registration.ts';
import { api, type Page } from './client.ts';

export type { Invoice };

export function useAccountInvoices(accountId: string, limit = 10) {
  return useInfiniteQuery({
    queryKey: ['accounts', 'invoices', accountId],
    queryFn: ({ pageParam, signal }) =>
      api<Page<Invoice>>(`/accounts/${accountId}/invoices`, { query: { limit, cursor: pageParam }, signal }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
}

/** "$1,234.50" in the reader's locale; the code itself when the browser does not know the currency. */
export function formatAmount(amount: number, currency: string): string {
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(amount);
  } catch {
    return `${amount.toFixed(2)} ${currency}`;
  }
}

const dateFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone: 'UTC' });
/** An invoice date (YYYY-MM-DD) as the reader writes dates, without a time-zone shift. */
export const formatInvoiceDate = (date: string) => dateFmt.format(new Date(`${date}T00:00:00Z`));

export type InvoiceInput = {
  accountId: string;
  number: string;
  date: string;
  amount: number;
  currency: string;
};

/** Records an invoice of an account (POST /api/invoices); the account's list shows it at once. */
export function useCreateInvoice() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: InvoiceInput) => api<Invoice>('/invoices', { method: 'POST', body }),
    onSuccess: async (_invoice, body) => {
      void qc.invalidateQueries({ queryKey: ['audit'] });
      await qc.invalidateQueries({ queryKey: ['accounts', 'invoices', body.accountId] });
    },
  });
}
