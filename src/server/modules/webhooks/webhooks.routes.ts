import { z } from 'zod';
import { ErrorBody, IdParams } from '../../../contracts/common.ts';
import {
  WebhookCreateBody,
  WebhookDelivery,
  WebhookDeliveryListQuery,
  WebhookDeliveryParams,
  WebhookEndpoint,
  WebhookList,
  WebhookReplayBody,
  WebhookReplayResult,
  WebhookUpdateBody,
  WebhookWithSecret,
} from '../../../contracts/webhooks.ts';
import type { App, AppDeps } from '../../deps.ts';
import {
  createWebhook,
  getWebhook,
  listWebhookDeliveries,
  listWebhooks,
  removeWebhook,
  replayWebhookDeliveries,
  resendWebhookDelivery,
  rotateWebhookSecret,
  sendTestWebhook,
  updateWebhook,
  type WebhooksDeps,
} from './webhooks.service.ts';

export async function webhooksRoutes(app: App, deps: AppDeps) {
  const w: WebhooksDeps = {
    db: deps.database.db,
    config: deps.config.webhooks,
    wake: () => deps.webhooks.wake(),
  };
  const tags = ['Webhooks'];
  const access = 'webhooks.manage' as const;

  app.get('/api/webhooks', {
    config: { access },
    schema: { tags, summary: 'Webhook endpoints (never their secrets)', response: { 200: WebhookList } },
    handler: async (request) => ({ items: await listWebhooks(w, request.ctx) }),
  });

  app.post('/api/webhooks', {
    config: { access },
    schema: {
      tags,
      summary: 'Add a webhook endpoint',
      description:
        'The answer carries the signing secret (`whsec_…`), shown this once. Deliveries are signed per ' +
        'Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`). A URL that is not ' +
        'http(s) or resolves to a private, loopback or link-local address is 422 on `url`.',
      body: WebhookCreateBody,
      response: { 201: WebhookWithSecret, 422: ErrorBody },
    },
    handler: async (request, reply) =>
      reply.status(201).send(await createWebhook(w, request.ctx, request.body)),
  });

  app.get('/api/webhooks/:id', {
    config: { access },
    schema: { tags, summary: 'A webhook endpoint', params: IdParams, response: { 200: WebhookEndpoint } },
    handler: (request) => getWebhook(w, request.ctx, request.params.id),
  });

  app.patch('/api/webhooks/:id', {
    config: { access },
    schema: {
      tags,
      summary: 'Change a webhook endpoint (URL, description, event types, enabled)',
      params: IdParams,
      body: WebhookUpdateBody,
      response: { 200: WebhookEndpoint, 422: ErrorBody },
    },
    handler: (request) => updateWebhook(w, request.ctx, request.params.id, request.body),
  });

  app.delete('/api/webhooks/:id', {
    config: { access },
    schema: {
      tags,
      summary: 'Remove a webhook endpoint and its delivery log',
      params: IdParams,
      response: { 204: z.null() },
    },
    handler: async (request, reply) => {
      await removeWebhook(w, request.ctx, request.params.id);
      return reply.status(204).send(null);
    },
  });

  app.post('/api/webhooks/:id/rotate-secret', {
    config: { access },
    schema: {
      tags,
      summary: 'Replace the signing secret',
      description:
        'The new secret is in this answer only. The previous one keeps signing beside it (two `v1,` ' +
        'signatures) until `previousSecretUntil` (WEBHOOK_SECRET_OVERLAP_HOURS, 24 h by default).',
      params: IdParams,
      response: { 200: WebhookWithSecret },
    },
    handler: (request) => rotateWebhookSecret(w, request.ctx, request.params.id),
  });

  app.get('/api/webhooks/:id/deliveries', {
    config: { access },
    schema: {
      tags,
      summary: 'The delivery log of an endpoint, newest first, with every attempt',
      params: IdParams,
      querystring: WebhookDeliveryListQuery,
      response: { 200: z.object({ items: z.array(WebhookDelivery), nextCursor: z.string().nullable() }) },
    },
    handler: (request) => listWebhookDeliveries(w, request.ctx, request.params.id, request.query),
  });

  app.post('/api/webhooks/:id/deliveries/:deliveryId/resend', {
    config: { access },
    schema: {
      tags,
      summary: 'Send a delivery again, with the same webhook-id',
      params: WebhookDeliveryParams,
      response: { 202: z.object({ deliveryId: z.string() }), 409: ErrorBody },
    },
    handler: async (request, reply) => {
      await resendWebhookDelivery(w, request.ctx, request.params.id, request.params.deliveryId);
      return reply.status(202).send({ deliveryId: request.params.deliveryId });
    },
  });

  app.post('/api/webhooks/:id/replay', {
    config: { access },
    schema: {
      tags,
      summary: 'Send again every failed delivery created since a time',
      params: IdParams,
      body: WebhookReplayBody,
      response: { 202: WebhookReplayResult },
    },
    handler: async (request, reply) =>
      reply
        .status(202)
        .send(await replayWebhookDeliveries(w, request.ctx, request.params.id, new Date(request.body.since))),
  });

  app.post('/api/webhooks/:id/test', {
    config: { access },
    schema: {
      tags,
      summary: 'Send a test event (type `webhook.test`) to this endpoint',
      params: IdParams,
      response: { 202: z.object({ deliveryId: z.string() }), 422: ErrorBody },
    },
    handler: async (request, reply) =>
      reply.status(202).send(await sendTestWebhook(w, request.ctx, request.params.id)),
  });
}
