import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Account } from '../../contracts/accounts.ts';
import type { ApprovalList } from '../../contracts/approvals.ts';
import { accountKeys } from './accounts.ts';
import { api } from './client.ts';

export type { ApprovalList };
export type Approval = ApprovalList['items'][number];

export const approvalKeys = {
  all: ['approvals'] as const,
  list: ['approvals', 'list'] as const,
  count: ['approvals', 'count'] as const,
};

/** How often the queue and the navigation's count look for new requests. */
const REFRESH_MS = 30_000;

export function useApprovals() {
  return useQuery({
    queryKey: approvalKeys.list,
    queryFn: ({ signal }) => api<ApprovalList>('/approvals', { signal }),
    refetchInterval: REFRESH_MS,
  });
}

export function useApprovalCount(enabled = true) {
  return useQuery({
    queryKey: approvalKeys.count,
    queryFn: ({ signal }) => api<{ count: number }>('/approvals/count', { signal }),
    select: (d) => d.count,
    refetchInterval: REFRESH_MS,
    enabled,
  });
}

function useAfterDecision() {
  const qc = useQueryClient();
  return (account?: Account) => {
    if (account) qc.setQueryData(accountKeys.one(account.id), account);
    void qc.invalidateQueries({ queryKey: approvalKeys.all });
    void qc.invalidateQueries({ queryKey: accountKeys.all });
    void qc.invalidateQueries({ queryKey: ['contacts'] });
  };
}

export function useApproveAccount() {
  const after = useAfterDecision();
  return useMutation({
    mutationFn: (id: string) => api<Account>(`/accounts/${id}/approve`, { method: 'POST' }),
    onSuccess: (account) => after(account),
    // Someone else decided first (409): show the queue as it is now.
    onError: () => after(),
  });
}

export function useRejectAccount() {
  const after = useAfterDecision();
  return useMutation({
    mutationFn: ({ id, reason }: { id: string; reason: string }) =>
      api<Account>(`/accounts/${id}/reject`, { method: 'POST', body: { reason } }),
    onSuccess: (account) => after(account),
    onError: () => after(),
  });
}
