import {
  keepPreviousData,
  useInfiniteQuery,
  useMutation,
  useQuery,
  useQueryClient,
} from '@tanstack/react-query';
import type { z } from 'zod';
import type { Account, AccountCreateBody, AccountUpdateBody } from '../../contracts/accounts.ts';
import type { AttributeFilterParams } from './attribute-values.ts';
import { api, type Page } from './client.ts';

/** Request bodies as the client sends them (zod input types: optional keys stay optional). */
export type AccountCreateInput = z.input<typeof AccountCreateBody>;
export type AccountUpdateInput = z.input<typeof AccountUpdateBody>;

export interface AccountFilters extends AttributeFilterParams {
  q?: string;
  kind?: Account['kind'];
  status?: Account['status'];
  customerGroup?: string;
  erpSync?: Account['erpSync']['state'];
}

export const accountKeys = {
  all: ['accounts'] as const,
  list: (f: AccountFilters) => ['accounts', 'list', f] as const,
  search: (q: string) => ['accounts', 'search', q] as const,
  one: (id: string) => ['accounts', 'one', id] as const,
};

export function useAccountList(filters: AccountFilters, limit = 50) {
  return useInfiniteQuery({
    queryKey: accountKeys.list(filters),
    queryFn: ({ pageParam, signal }) =>
      api<Page<Account>>('/accounts', { query: { ...filters, limit, cursor: pageParam }, signal }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    placeholderData: keepPreviousData,
  });
}

/** A short list of accounts for pickers. */
export function useAccountSearch(q: string, enabled = true) {
  return useQuery({
    queryKey: accountKeys.search(q),
    queryFn: ({ signal }) => api<Page<Account>>('/accounts', { query: { q, limit: 20 }, signal }),
    placeholderData: keepPreviousData,
    enabled,
  });
}

export function useAccount(id: string | null | undefined) {
  return useQuery({
    queryKey: accountKeys.one(id ?? ''),
    queryFn: ({ signal }) => api<Account>(`/accounts/${id}`, { signal }),
    enabled: !!id,
  });
}

export function useCreateAccount() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: AccountCreateInput) => api<Account>('/accounts', { method: 'POST', body }),
    onSuccess: (a) => {
      qc.setQueryData(accountKeys.one(a.id), a);
      void qc.invalidateQueries({ queryKey: accountKeys.all });
    },
  });
}

export function useUpdateAccount(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: AccountUpdateInput) => api<Account>(`/accounts/${id}`, { method: 'PATCH', body }),
    onSuccess: (a) => {
      qc.setQueryData(accountKeys.one(a.id), a);
      void qc.invalidateQueries({ queryKey: accountKeys.all });
    },
  });
}

export function useSetAssignees(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (employeeIds: string[]) =>
      api<Account>(`/accounts/${id}/assignees`, { method: 'PUT', body: { employeeIds } }),
    onSuccess: (a) => {
      qc.setQueryData(accountKeys.one(a.id), a);
      void qc.invalidateQueries({ queryKey: ['employees'] });
    },
  });
}

/** "W1001 · ACME · Acme Ltd" — how pickers show an account. */
export const accountLabel = (a: Pick<Account, 'number' | 'code' | 'name'>) =>
  [a.number, a.code, a.name].filter(Boolean).join(' · ');
