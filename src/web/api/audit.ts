import { keepPreviousData, useInfiniteQuery } from '@tanstack/react-query';
import type { AuditEntry } from '../../contracts/audit.ts';
import { api, type Page } from './client.ts';

export interface AuditFilters {
  entityType?: string;
  entityId?: string;
  actor?: string;
  source?: string;
  action?: string;
  entity?: string;
  from?: string;
  to?: string;
}

export function useAuditList(filters: AuditFilters, limit = 50, enabled = true) {
  return useInfiniteQuery({
    queryKey: ['audit', filters, limit],
    queryFn: ({ pageParam, signal }) =>
      api<Page<AuditEntry>>('/audit', { query: { ...filters, limit, cursor: pageParam }, signal }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    placeholderData: keepPreviousData,
    enabled,
  });
}
