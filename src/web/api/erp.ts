import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Account } from '../../contracts/accounts.ts';
import type { Order } from '../../contracts/erp.ts';
import { accountKeys } from './accounts.ts';
import { api } from './client.ts';

export const orderKeys = { ofAccount: (id: string) => ['accounts', 'orders', id] as const };

export function useAccountOrders(accountId: string, limit = 10) {
  return useQuery({
    queryKey: orderKeys.ofAccount(accountId),
    queryFn: ({ signal }) =>
      api<{ items: Order[] }>(`/accounts/${accountId}/orders`, { query: { limit }, signal }),
  });
}

/** *Push to ERP* / *Push again*: the account becomes queued. */
export function usePushToErp(accountId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => api<Account>(`/accounts/${accountId}/erp-push`, { method: 'POST', body: {} }),
    onSuccess: (a) => {
      qc.setQueryData(accountKeys.one(a.id), a);
      void qc.invalidateQueries({ queryKey: accountKeys.all });
    },
  });
}
