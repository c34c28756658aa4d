import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { z } from 'zod';
import type { StoreSessionInfo as StoreSessionInfoSchema } from '../../contracts/emails.ts';
import type {
  JoinBody,
  JoinVerifyBody,
  JoinVerifyResult as JoinVerifyResultSchema,
  StoreRegisterBody,
  StoreRegisterResult as StoreRegisterResultSchema,
  StoreRegistrationInfo as StoreRegistrationInfoSchema,
} from '../../contracts/registration.ts';
import { api, isApiError } from './client.ts';

export type StoreSessionInfo = z.infer<typeof StoreSessionInfoSchema>;

const storeSessionKey = ['store-session'] as const;

export function useStoreSession() {
  return useQuery({
    queryKey: storeSessionKey,
    queryFn: async ({ signal }) => {
      try {
        return await api<StoreSessionInfo>('/store/session', { signal });
      } catch (e) {
        if (isApiError(e) && e.status === 401) return null;
        throw e;
      }
    },
    retry: false,
  });
}

export function useStoreSignIn() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: { email: string; password: string }) =>
      api<StoreSessionInfo>('/store/session', { method: 'POST', body }),
    onSuccess: (info) => qc.setQueryData(storeSessionKey, info),
  });
}

export function useStoreSignOut() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => api<void>('/store/session', { method: 'DELETE' }),
    onSettled: () => qc.setQueryData(storeSessionKey, null),
  });
}

export function useActivate() {
  return useMutation({
    mutationFn: (body: { token: string; password: string }) =>
      api<{ ok: true }>('/store/activate', { method: 'POST', body }),
  });
}

/** "Forgot your password?": the same answer whether or not the email has an account. */
export function useStorePasswordReset() {
  return useMutation({
    mutationFn: (body: { email: string }) =>
      api<{ message: string }>('/store/password-reset', { method: 'POST', body }),
  });
}

export function useStorePasswordResetConfirm() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: { token: string; password: string }) =>
      api<{ ok: true }>('/store/password-reset/confirm', { method: 'POST', body }),
    // The contact's sessions end with the reset.
    onSuccess: () => qc.setQueryData(storeSessionKey, null),
  });
}

/** Asks for a new activation link (same answer whether or not the email exists). */
export function useActivationResend() {
  return useMutation({
    mutationFn: (body: { email: string }) =>
      api<{ message: string }>('/store/activation/resend', { method: 'POST', body }),
  });
}

export type StoreRegistrationInfo = z.infer<typeof StoreRegistrationInfoSchema>;
export type StoreRegisterInput = z.input<typeof StoreRegisterBody>;
export type StoreRegisterResult = z.infer<typeof StoreRegisterResultSchema>;
export type JoinVerifyInput = z.input<typeof JoinVerifyBody>;
export type JoinVerifyResult = z.infer<typeof JoinVerifyResultSchema>;
export type JoinInput = z.input<typeof JoinBody>;

/** Which sign-up links the sign-in page shows, and whether personal accounts may be opened. */
export function useStoreRegistration() {
  return useQuery({
    queryKey: ['store-registration'],
    queryFn: ({ signal }) => api<StoreRegistrationInfo>('/store/registration', { signal }),
    staleTime: 60_000,
  });
}

/**
 * Sign-up and joining an account may sign the contact in (outcome `active`): the cached "nobody signed
 * in" must go before the account page asks again.
 */
function forgetSessionWhenActive(qc: ReturnType<typeof useQueryClient>) {
  return (result: StoreRegisterResult) => {
    if (result.outcome === 'active') qc.removeQueries({ queryKey: storeSessionKey });
  };
}

export function useStoreRegister() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: StoreRegisterInput) =>
      api<StoreRegisterResult>('/store/register', { method: 'POST', body }),
    onSuccess: forgetSessionWhenActive(qc),
  });
}

export function useJoinVerify() {
  return useMutation({
    mutationFn: (body: JoinVerifyInput) =>
      api<JoinVerifyResult>('/store/join/verify', { method: 'POST', body }),
  });
}

export function useJoin() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: JoinInput) => api<StoreRegisterResult>('/store/join', { method: 'POST', body }),
    onSuccess: forgetSessionWhenActive(qc),
  });
}

/** Switches the account the store session acts for (a contact in several accounts). */
export function useStoreSwitchAccount() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (accountId: string) =>
      api<StoreSessionInfo>('/store/session/account', { method: 'PUT', body: { accountId } }),
    onSuccess: (info) => qc.setQueryData(storeSessionKey, info),
  });
}
