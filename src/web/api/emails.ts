import {
  keepPreviousData,
  useInfiniteQuery,
  useMutation,
  useQuery,
  useQueryClient,
} from '@tanstack/react-query';
import type { z } from 'zod';
import type { EmailMessage, EmailStatus } from '../../contracts/emails.ts';
import { api, type Page } from './client.ts';

export type EmailStatusValue = z.infer<typeof EmailStatus>;
export const EMAIL_STATUSES: readonly EmailStatusValue[] = [
  'queued',
  'sending',
  'sent',
  'failed',
  'captured',
];

export interface EmailFilters {
  to?: string;
  templateKey?: string;
  status?: EmailStatusValue;
  since?: string;
  until?: string;
}

export interface EmailAttempt {
  at: string;
  outcome: 'sent' | 'temporary-failure' | 'permanent-failure';
  response: string | null;
  durationMs: number | null;
}

export const emailKeys = {
  all: ['emails'] as const,
  list: (filters: EmailFilters, limit: number) => ['emails', 'list', filters, limit] as const,
  one: (id: string | null) => ['emails', 'one', id] as const,
  attempts: (id: string | null) => ['emails', 'attempts', id] as const,
};

/** Emails that are still on their way are polled, so their status follows delivery. */
const inFlight = (m: EmailMessage | undefined) => m?.status === 'queued' || m?.status === 'sending';

export function useEmailList(filters: EmailFilters, limit = 50, enabled = true) {
  return useInfiniteQuery({
    queryKey: emailKeys.list(filters, limit),
    queryFn: ({ pageParam, signal }) =>
      api<Page<EmailMessage>>('/emails', { query: { ...filters, limit, cursor: pageParam }, signal }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    placeholderData: keepPreviousData,
    enabled,
    refetchInterval: (q) => (q.state.data?.pages.some((p) => p.items.some(inFlight)) ? 5_000 : false),
  });
}

export function useEmail(id: string | null) {
  return useQuery({
    queryKey: emailKeys.one(id),
    queryFn: ({ signal }) => api<EmailMessage>(`/emails/${id}`, { signal }),
    enabled: !!id,
    refetchInterval: (q) => (inFlight(q.state.data) ? 3_000 : false),
  });
}

export function useEmailAttempts(id: string | null, status: EmailStatusValue | undefined) {
  return useQuery({
    // The status is part of the key: a new attempt changes it.
    queryKey: [...emailKeys.attempts(id), status],
    queryFn: ({ signal }) => api<EmailAttempt[]>(`/emails/${id}/attempts`, { signal }),
    enabled: !!id,
  });
}

export function useResendEmail() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api<{ emailId: string }>(`/emails/${id}/resend`, { method: 'POST' }),
    onSuccess: () => void qc.invalidateQueries({ queryKey: emailKeys.all }),
  });
}

/** Reads one email, e.g. to tell whether a just-written email was captured or queued. */
export const fetchEmail = (id: string) => api<EmailMessage>(`/emails/${id}`);

/**
 * What happened to an email just written, in words: without SMTP, emails are captured in the log and
 * not sent, and the notification should say so.
 */
export function emailOutcome(status: EmailStatusValue | undefined): string {
  switch (status) {
    case 'captured':
      return 'written to the email log (email delivery is not set up)';
    case 'sent':
      return 'sent';
    case 'failed':
      return 'not delivered (see the email log)';
    case 'queued':
    case 'sending':
      return 'queued for delivery';
    case undefined:
      return 'queued';
  }
}
