import { z } from 'zod';
import { EventType } from './events.ts';

/** An event type an endpoint subscribes to, or `*` for all of them. */
export const WebhookEventFilter = z.union([EventType, z.literal('*')]);

const Url = z
  .string()
  .trim()
  .min(1, 'Required')
  .max(2000, 'Use at most 2000 characters')
  .describe('Where events are POSTed: http:// or https://, not on a private network unless allowed');

export const WebhookCreateBody = z.object({
  url: Url,
  description: z.string().trim().max(500).nullable().optional(),
  eventTypes: z
    .array(WebhookEventFilter)
    .min(1, 'Choose at least one event type')
    .max(20)
    .describe('The event types sent to this endpoint; `*` for all'),
  enabled: z.boolean().default(true),
});
export type WebhookCreateBody = z.infer<typeof WebhookCreateBody>;

export const WebhookUpdateBody = WebhookCreateBody.partial();
export type WebhookUpdateBody = z.infer<typeof WebhookUpdateBody>;

export const WebhookEndpoint = z.object({
  id: z.string(),
  url: z.string(),
  description: z.string().nullable(),
  eventTypes: z.array(z.string()),
  enabled: z.boolean(),
  /** Why the system switched the endpoint off (410 Gone, failing for days); null when an employee did or it is on. */
  disabledReason: z.string().nullable(),
  failingSince: z.string().nullable(),
  /** Until when the secret before the last rotation still signs deliveries. */
  previousSecretUntil: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type WebhookEndpoint = z.infer<typeof WebhookEndpoint>;

export const WebhookWithSecret = WebhookEndpoint.extend({
  secret: z.string().describe('whsec_…: shown only now; verify deliveries with it (Standard Webhooks)'),
});
export type WebhookWithSecret = z.infer<typeof WebhookWithSecret>;

export const WebhookList = z.object({ items: z.array(WebhookEndpoint) });

export const WebhookDeliveryStatus = z.enum(['pending', 'sending', 'succeeded', 'failed']);

export const WebhookAttempt = z.object({
  attempt: z.number(),
  at: z.string(),
  requestHeaders: z.record(z.string(), z.string()),
  requestBody: z.string(),
  responseStatus: z.number().nullable(),
  responseBody: z.string().nullable().describe('The first 4 KB of the answer'),
  error: z.string().nullable(),
  durationMs: z.number(),
});
export type WebhookAttempt = z.infer<typeof WebhookAttempt>;

export const WebhookDelivery = z.object({
  id: z.string().describe('The webhook-id header: the same on every attempt and re-send'),
  eventId: z.string().nullable(),
  type: z.string(),
  accountId: z.string().nullable(),
  status: WebhookDeliveryStatus,
  attempts: z.number(),
  nextAttemptAt: z.string().nullable(),
  lastStatus: z.number().nullable(),
  lastError: z.string().nullable(),
  createdAt: z.string(),
  completedAt: z.string().nullable(),
  attemptLog: z.array(WebhookAttempt),
});
export type WebhookDelivery = z.infer<typeof WebhookDelivery>;

export const WebhookDeliveryParams = z.object({ id: z.uuid(), deliveryId: z.uuid() });

export const WebhookDeliveryListQuery = z.object({
  status: WebhookDeliveryStatus.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().max(200).optional().describe('The nextCursor of the previous page'),
});
export type WebhookDeliveryListQuery = z.infer<typeof WebhookDeliveryListQuery>;

export const WebhookReplayBody = z.object({
  since: z.iso
    .datetime({ offset: true })
    .describe('Failed deliveries created at or after this time are sent again'),
});

export const WebhookReplayResult = z.object({ resent: z.number() });

/** What every delivery's body looks like (`version` changes only when this shape does). */
export const WEBHOOK_PAYLOAD_VERSION = 1;
