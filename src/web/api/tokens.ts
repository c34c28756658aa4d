import { useQuery } from '@tanstack/react-query';
import type { z } from 'zod';
import type { TokenCheckBody, TokenCheckResult } from '../../contracts/emails.ts';
import { api } from './client.ts';

export type TokenCheck = z.infer<typeof TokenCheckResult>;

/**
 * Whether an emailed link can still be used, asked when its page opens: a used or expired link is
 * explained at once, not after the password was typed. Nothing is used up.
 */
export function useTokenCheck(purpose: z.infer<typeof TokenCheckBody>['purpose'], token: string | undefined) {
  return useQuery({
    queryKey: ['token-check', purpose, token],
    queryFn: ({ signal }) =>
      api<TokenCheck>('/tokens/check', { method: 'POST', body: { purpose, token }, signal }),
    enabled: Boolean(token),
    retry: false,
    staleTime: Infinity,
  });
}

/** The check's answer when the link cannot be used. */
export const unusableLink = (check: { data?: TokenCheck }) =>
  check.data && check.data.status !== 'valid'
    ? { reason: check.data.status, message: check.data.message ?? '' }
    : undefined;
