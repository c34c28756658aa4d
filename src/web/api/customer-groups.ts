import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { z } from 'zod';
import type { CustomerGroup, CustomerGroupUpdateBody } from '../../contracts/customer-groups.ts';
import { api } from './client.ts';
import { settingsKey } from './settings.ts';

export type CustomerGroupUpdateInput = z.input<typeof CustomerGroupUpdateBody>;

export const customerGroupKeys = { all: ['customer-groups'] as const };

/** Every customer group of the store, by name (a store has tens of them). */
export function useCustomerGroups(enabled = true) {
  return useQuery({
    queryKey: customerGroupKeys.all,
    queryFn: ({ signal }) => api<{ items: CustomerGroup[] }>('/customer-groups', { signal }),
    select: (data) => data.items,
    staleTime: 30_000,
    enabled,
  });
}

function useInvalidateGroups() {
  const qc = useQueryClient();
  // Resolves once the group list is fresh again, so a mutation's success is shown on the new list.
  return async () => {
    void qc.invalidateQueries({ queryKey: ['audit'] });
    await qc.invalidateQueries({ queryKey: customerGroupKeys.all });
  };
}

export function useCreateCustomerGroup() {
  const invalidate = useInvalidateGroups();
  return useMutation({
    mutationFn: (body: { key: string; name: string }) =>
      api<CustomerGroup>('/customer-groups', { method: 'POST', body }),
    onSuccess: invalidate,
  });
}

export function useUpdateCustomerGroup() {
  const invalidate = useInvalidateGroups();
  return useMutation({
    mutationFn: ({ id, body }: { id: string; body: CustomerGroupUpdateInput }) =>
      api<CustomerGroup>(`/customer-groups/${id}`, { method: 'PATCH', body }),
    onSuccess: invalidate,
  });
}

export function useDeleteCustomerGroup() {
  const invalidate = useInvalidateGroups();
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, moveTo }: { id: string; moveTo?: string }) =>
      api<void>(`/customer-groups/${id}`, { method: 'DELETE', query: { moveTo } }),
    onSuccess: async () => {
      // Members' group lists changed, and the sign-up defaults may have.
      void qc.invalidateQueries({ queryKey: ['contacts'] });
      void qc.invalidateQueries({ queryKey: ['accounts'] });
      void qc.invalidateQueries({ queryKey: settingsKey });
      await invalidate();
    },
  });
}

/** `<input type="datetime-local">` value (local time) of an ISO instant, or '' for none. */
export function toLocalInput(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The ISO instant of a `datetime-local` value, or null when empty. */
export function fromLocalInput(value: string): string | null {
  if (!value) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}
