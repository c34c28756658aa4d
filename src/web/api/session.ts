import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { SessionInfo } from '../../contracts/employees.ts';
import type { Permission } from '../../contracts/permissions.ts';
import { api, isApiError } from './client.ts';

export const sessionKey = ['session'] as const;

/** The signed-in employee, or null when nobody is signed in. */
async function fetchSession(): Promise<SessionInfo | null> {
  try {
    return await api<SessionInfo>('/session');
  } catch (e) {
    if (isApiError(e) && e.status === 401) return null;
    throw e;
  }
}

export function useSession() {
  return useQuery({ queryKey: sessionKey, queryFn: fetchSession, staleTime: 5 * 60_000, retry: false });
}

export type { Permission };

/** `can('contacts.write')` — true when the signed-in employee holds the permission. */
export function useCan(): (permission: Permission) => boolean {
  const { data } = useSession();
  const perms = data?.permissions;
  return (permission) => perms?.includes(permission) ?? false;
}

export function useSignIn() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: { email: string; password: string }) =>
      api<SessionInfo>('/session', { method: 'POST', body }),
    onSuccess: (info) => {
      qc.clear();
      qc.setQueryData(sessionKey, info);
    },
  });
}

export function useSignOut() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => api<void>('/session', { method: 'DELETE' }),
    onSettled: () => {
      qc.clear();
      qc.setQueryData(sessionKey, null);
    },
  });
}

export interface SetupInput {
  token: string;
  email: string;
  name?: string | null;
  password: string;
}

/** Creates the first administrator with the one-time setup link; signs them in. */
export function useSetup() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: SetupInput) => api<SessionInfo>('/setup', { method: 'POST', body }),
    onSuccess: (info) => {
      qc.clear();
      qc.setQueryData(sessionKey, info);
    },
  });
}

/** Asks for a password-reset link for an employee; the answer is the same whether or not the email exists. */
export function useEmployeePasswordReset() {
  return useMutation({
    mutationFn: (body: { email: string }) =>
      api<{ message: string }>('/session/password-reset', { method: 'POST', body }),
  });
}

export function useEmployeePasswordResetConfirm() {
  return useMutation({
    mutationFn: (body: { token: string; password: string }) =>
      api<{ ok: true }>('/session/password-reset/confirm', { method: 'POST', body }),
  });
}
