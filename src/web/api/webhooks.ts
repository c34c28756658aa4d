import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type {
  WebhookCreateBody,
  WebhookDelivery,
  WebhookEndpoint,
  WebhookUpdateBody,
  WebhookWithSecret,
} from '../../contracts/webhooks.ts';
import { api } from './client.ts';

export const webhookKeys = {
  all: ['webhooks'] as const,
  deliveries: (id: string) => ['webhooks', id, 'deliveries'] as const,
};

export function useWebhooks(enabled = true) {
  return useQuery({
    queryKey: webhookKeys.all,
    queryFn: ({ signal }) => api<{ items: WebhookEndpoint[] }>('/webhooks', { signal }),
    enabled,
  });
}

export function useWebhookDeliveries(id: string | null) {
  return useQuery({
    queryKey: webhookKeys.deliveries(id ?? ''),
    queryFn: ({ signal }) =>
      api<{ items: WebhookDelivery[]; nextCursor: string | null }>(`/webhooks/${id}/deliveries`, {
        signal,
        query: { limit: '50' },
      }),
    enabled: !!id,
    // Deliveries go out in the background: the log follows them.
    refetchInterval: 2000,
  });
}

export function useSaveWebhook() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (
      arg: { id: null; body: WebhookCreateBody } | { id: string; body: WebhookUpdateBody },
    ): Promise<WebhookEndpoint | WebhookWithSecret> =>
      arg.id
        ? api<WebhookEndpoint>(`/webhooks/${arg.id}`, { method: 'PATCH', body: arg.body })
        : api<WebhookWithSecret>('/webhooks', { method: 'POST', body: arg.body }),
    onSuccess: () => qc.invalidateQueries({ queryKey: webhookKeys.all }),
  });
}

export function useDeleteWebhook() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api<void>(`/webhooks/${id}`, { method: 'DELETE' }),
    onSuccess: () => qc.invalidateQueries({ queryKey: webhookKeys.all }),
  });
}

export function useRotateWebhookSecret() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api<WebhookWithSecret>(`/webhooks/${id}/rotate-secret`, { method: 'POST' }),
    onSuccess: () => qc.invalidateQueries({ queryKey: webhookKeys.all }),
  });
}

export function useSendTestWebhook() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api<{ deliveryId: string }>(`/webhooks/${id}/test`, { method: 'POST' }),
    onSuccess: (_r, id) => qc.invalidateQueries({ queryKey: webhookKeys.deliveries(id) }),
  });
}

export function useResendWebhookDelivery() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (arg: { id: string; deliveryId: string }) =>
      api<{ deliveryId: string }>(`/webhooks/${arg.id}/deliveries/${arg.deliveryId}/resend`, {
        method: 'POST',
      }),
    onSuccess: (_r, arg) => qc.invalidateQueries({ queryKey: webhookKeys.deliveries(arg.id) }),
  });
}
