import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { CustomerGroupMembersResult } from '../../contracts/customer-groups.ts';
import { api } from './client.ts';
import { customerGroupKeys } from './customer-groups.ts';

export type MembersChange = {
  groupId: string;
  change: 'add' | 'remove';
  accountIds?: string[];
  contactIds?: string[];
};

/** Adds accounts and contacts to a customer group, or takes them out; lists and pages show it at once. */
export function useChangeGroupMembers() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ groupId, change, accountIds, contactIds }: MembersChange) =>
      api<CustomerGroupMembersResult>(
        `/customer-groups/${groupId}/members${change === 'remove' ? '/remove' : ''}`,
        { method: 'POST', body: { accountIds, contactIds } },
      ),
    onSuccess: async () => {
      void qc.invalidateQueries({ queryKey: ['audit'] });
      void qc.invalidateQueries({ queryKey: customerGroupKeys.all });
      await Promise.all([
        qc.invalidateQueries({ queryKey: ['accounts'] }),
        qc.invalidateQueries({ queryKey: ['contacts'] }),
      ]);
    },
  });
}
