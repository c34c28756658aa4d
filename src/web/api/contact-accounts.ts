import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ContactAccountList, ContactAccountsChange } from '../../contracts/contact-accounts.ts';
import { api } from './client.ts';

const keyOf = (contactId: string) => ['contacts', 'accounts', contactId] as const;

export function useContactAccounts(contactId: string) {
  return useQuery({
    queryKey: keyOf(contactId),
    queryFn: ({ signal }) => api<ContactAccountList>(`/contacts/${contactId}/accounts`, { signal }),
  });
}

export type ContactAccountsAction =
  | { kind: 'add'; accountId: string }
  | { kind: 'remove'; accountId: string; newPrimaryAccountId?: string }
  | { kind: 'primary'; accountId: string };

/** Adds, removes or makes primary one of the contact's accounts; the answer may name an emptied web account. */
export function useChangeContactAccounts(contactId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (a: ContactAccountsAction) => {
      const base = `/contacts/${contactId}`;
      if (a.kind === 'add')
        return api<ContactAccountsChange>(`${base}/accounts`, {
          method: 'POST',
          body: { accountId: a.accountId },
        });
      if (a.kind === 'primary')
        return api<ContactAccountsChange>(`${base}/primary-account`, {
          method: 'PUT',
          body: { accountId: a.accountId },
        });
      return api<ContactAccountsChange>(`${base}/accounts/${a.accountId}`, {
        method: 'DELETE',
        query: { newPrimaryAccountId: a.newPrimaryAccountId },
      });
    },
    onSuccess: (change) => {
      qc.setQueryData(keyOf(contactId), { accounts: change.accounts });
      void qc.invalidateQueries({ queryKey: ['contacts'] });
      void qc.invalidateQueries({ queryKey: ['accounts'] });
      void qc.invalidateQueries({ queryKey: ['audit'] });
    },
  });
}
