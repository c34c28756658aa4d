export { createWebhookSender, type WebhookSender } from './webhook-delivery.ts';
export { webhooksRoutes } from './webhooks.routes.ts';
