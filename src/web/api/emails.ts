import { keepPreviousData, useInfiniteQuery, useQuery } from '@tanstack/react-query';
import type { z } from 'zod';
import type { EmailMessage, EmailStatus } from '../../contracts/emails.ts';
import { api, type Page } from './client.ts';

export type EmailStatusValue = z.infer<typeof EmailStatus>;

export interface EmailFilters {
  to?: string;
  templateKey?: string;
  status?: EmailStatusValue;
}

export function useEmailList(filters: EmailFilters, limit = 50, enabled = true) {
  return useInfiniteQuery({
    queryKey: ['emails', 'list', filters, limit],
    queryFn: ({ pageParam, signal }) =>
      api<Page<EmailMessage>>('/emails', { query: { ...filters, limit, cursor: pageParam }, signal }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    placeholderData: keepPreviousData,
    enabled,
  });
}

export function useEmail(id: string | null) {
  return useQuery({
    queryKey: ['emails', 'one', id],
    queryFn: ({ signal }) => api<EmailMessage>(`/emails/${id}`, { signal }),
    enabled: !!id,
  });
}
