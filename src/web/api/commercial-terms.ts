import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type {
  CommercialCode,
  CommercialCodeCreateBody,
  CommercialCodeUpdateBody,
  CommercialList,
} from '../../contracts/commercial-terms.ts';
import { api } from './client.ts';
import { settingsChoicesKey, settingsKey } from './settings.ts';

export type { CommercialCode, CommercialList };

export const commercialKey = (list: CommercialList) => ['commercial-terms', list] as const;

/** The codes of one of the seller's lists (payment terms, price groups, sales reps), by code. */
export function useCommercialCodes(list: CommercialList, enabled = true) {
  return useQuery({
    queryKey: commercialKey(list),
    queryFn: ({ signal }) => api<{ items: CommercialCode[] }>(`/${list}`, { signal }),
    select: (data) => data.items,
    staleTime: 30_000,
    enabled,
  });
}

function useInvalidate(list: CommercialList) {
  const qc = useQueryClient();
  return async () => {
    void qc.invalidateQueries({ queryKey: settingsChoicesKey });
    void qc.invalidateQueries({ queryKey: ['audit'] });
    await qc.invalidateQueries({ queryKey: commercialKey(list) });
  };
}

export function useCreateCommercialCode(list: CommercialList) {
  const invalidate = useInvalidate(list);
  return useMutation({
    mutationFn: (body: CommercialCodeCreateBody) => api<CommercialCode>(`/${list}`, { method: 'POST', body }),
    onSuccess: invalidate,
  });
}

export function useUpdateCommercialCode(list: CommercialList) {
  const invalidate = useInvalidate(list);
  return useMutation({
    mutationFn: ({ code, body }: { code: string; body: CommercialCodeUpdateBody }) =>
      api<CommercialCode>(`/${list}/${encodeURIComponent(code)}`, { method: 'PATCH', body }),
    onSuccess: invalidate,
  });
}

export function useDeleteCommercialCode(list: CommercialList) {
  const invalidate = useInvalidate(list);
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ code, moveTo }: { code: string; moveTo?: string }) =>
      api<void>(`/${list}/${encodeURIComponent(code)}`, { method: 'DELETE', query: { moveTo } }),
    onSuccess: async () => {
      // Accounts may have moved to another code, and a sign-up default may have followed.
      void qc.invalidateQueries({ queryKey: ['accounts'] });
      void qc.invalidateQueries({ queryKey: settingsKey });
      await invalidate();
    },
  });
}
