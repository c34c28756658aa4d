import {
  keepPreviousData,
  useInfiniteQuery,
  useMutation,
  useQuery,
  useQueryClient,
} from '@tanstack/react-query';
import type { z } from 'zod';
import type {
  Contact,
  ContactCreated,
  ContactCreateBody,
  ContactCreateWithAccountBody,
  ContactSummary,
  ContactUpdateBody,
  DuplicateCheckResult,
} from '../../contracts/contacts.ts';
import type { AttributeFilterParams } from './attribute-values.ts';
import { api, type Page } from './client.ts';

export type DuplicateCheck = z.infer<typeof DuplicateCheckResult>;
/** Request bodies as the client sends them (zod input types). */
export type ContactCreateInput = z.input<typeof ContactCreateBody>;
export type ContactCreateWithAccountInput = z.input<typeof ContactCreateWithAccountBody>;
export type ContactUpdateInput = z.input<typeof ContactUpdateBody>;

export interface ContactFilters extends AttributeFilterParams {
  q?: string;
  status?: Contact['status'];
  accountId?: string;
  customerGroup?: string;
}

export const contactKeys = {
  all: ['contacts'] as const,
  list: (f: ContactFilters) => ['contacts', 'list', f] as const,
  ofAccount: (accountId: string, q: string) => ['contacts', 'account', accountId, q] as const,
  one: (id: string) => ['contacts', 'one', id] as const,
  duplicates: (q: DuplicateQuery) => ['contacts', 'duplicates', q] as const,
};

export function useContactList(filters: ContactFilters, limit = 50) {
  return useInfiniteQuery({
    queryKey: contactKeys.list(filters),
    queryFn: ({ pageParam, signal }) =>
      api<Page<ContactSummary>>('/contacts', { query: { ...filters, limit, cursor: pageParam }, signal }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    placeholderData: keepPreviousData,
  });
}

export function useAccountContacts(accountId: string, q: string, limit = 50) {
  return useInfiniteQuery({
    queryKey: contactKeys.ofAccount(accountId, q),
    queryFn: ({ pageParam, signal }) =>
      api<Page<ContactSummary>>(`/accounts/${accountId}/contacts`, {
        query: { q, limit, cursor: pageParam },
        signal,
      }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    placeholderData: keepPreviousData,
  });
}

export function useContact(id: string) {
  return useQuery({
    queryKey: contactKeys.one(id),
    queryFn: ({ signal }) => api<Contact>(`/contacts/${id}`, { signal }),
  });
}

export interface DuplicateQuery {
  email?: string;
  firstName?: string;
  lastName?: string;
  accountId?: string;
}

export function useDuplicateCheck(q: DuplicateQuery) {
  const enabled = !!q.email || (!!q.firstName && !!q.lastName && !!q.accountId);
  return useQuery({
    queryKey: contactKeys.duplicates(q),
    queryFn: ({ signal }) => api<DuplicateCheck>('/contacts/duplicates', { query: { ...q }, signal }),
    enabled,
    placeholderData: keepPreviousData,
    staleTime: 10_000,
  });
}

/** Creates a contact on `accountId`, through the account route or the contacts route. */
export function useCreateContact() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ viaAccount, body }: { viaAccount: boolean; body: ContactCreateWithAccountInput }) => {
      if (viaAccount) {
        const { accountId, ...rest } = body;
        return api<ContactCreated>(`/accounts/${accountId}/contacts`, {
          method: 'POST',
          body: rest satisfies ContactCreateInput,
        });
      }
      return api<ContactCreated>('/contacts', { method: 'POST', body });
    },
    onSuccess: (created) => {
      // A generated password is shown once by the dialog and kept in no cache.
      const { password: _shownOnce, ...c } = created;
      qc.setQueryData(contactKeys.one(c.id), c);
      void qc.invalidateQueries({ queryKey: contactKeys.all });
      void qc.invalidateQueries({ queryKey: ['accounts'] });
    },
  });
}

export function useUpdateContact(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: ContactUpdateInput) => api<Contact>(`/contacts/${id}`, { method: 'PATCH', body }),
    onSuccess: (c) => {
      qc.setQueryData(contactKeys.one(c.id), c);
      void qc.invalidateQueries({ queryKey: ['contacts', 'list'] });
      void qc.invalidateQueries({ queryKey: ['contacts', 'account'] });
      void qc.invalidateQueries({ queryKey: ['audit'] });
    },
  });
}

export const contactName = (c: { firstName: string; lastName: string }) =>
  `${c.firstName} ${c.lastName}`.trim();

export type ContactEmailKind = 'activation' | 'password-reset';

/** Sends the contact the welcome email with a new activation link, or a password-reset link. */
export function useSendContactEmail(contactId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (kind: ContactEmailKind) =>
      api<{ emailId: string }>(`/contacts/${contactId}/${kind}`, { method: 'POST' }),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ['emails'] });
      void qc.invalidateQueries({ queryKey: ['audit'] });
    },
  });
}

export type BulkEmailStatus = 'queued' | 'captured' | 'not_found' | 'disabled' | 'pending' | 'switched_off';
export interface BulkEmailResult {
  contactId: string;
  status: BulkEmailStatus;
  emailId: string | null;
}

/** The activation or reset email to many contacts at once; one result per contact. */
export function useSendContactEmails() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: { contactIds: string[]; kind: ContactEmailKind }) =>
      api<{ results: BulkEmailResult[] }>('/contacts/emails', { method: 'POST', body }),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ['emails'] });
      void qc.invalidateQueries({ queryKey: ['audit'] });
    },
  });
}
