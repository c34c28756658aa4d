import { randomBytes } from 'node:crypto';
import type {
  WebhookCreateBody,
  WebhookDelivery,
  WebhookDeliveryListQuery,
  WebhookEndpoint,
  WebhookUpdateBody,
  WebhookWithSecret,
} from '../../../contracts/webhooks.ts';
import type { Config } from '../../config.ts';
import type { Db } from '../../db/client.ts';
import { assertCan, type RequestContext } from '../../http/context.ts';
import { decodeCursor, encodeCursor } from '../../lib/cursor.ts';
import { conflict, notFound, unprocessable } from '../../lib/errors.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { failUndeliverablePushes } from '../erp/index.ts';
import { checkTarget, UrlRefused } from './url-guard.ts';
import {
  deleteEndpoint,
  findDeliveryStatus,
  findEndpoint,
  insertEndpoint,
  insertTestDelivery,
  listDeliveries,
  listEndpoints,
  requeueDelivery,
  requeueFailedSince,
  toEndpoint,
  updateEndpoint,
} from './webhooks.repository.ts';

export type WebhooksDeps = { db: Db; config: Config['webhooks']; wake: () => void };

/** A Standard Webhooks secret: `whsec_` and 32 random bytes in base64. */
export const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

/** `*` alone means every type; duplicates go. */
const normalizeTypes = (types: string[]) => (types.includes('*') ? ['*'] : [...new Set(types)].sort());

async function assertTarget(deps: WebhooksDeps, url: string) {
  try {
    await checkTarget(url, deps.config.allowPrivate);
  } catch (err) {
    if (err instanceof UrlRefused)
      throw unprocessable('This URL cannot receive webhooks', [{ path: 'url', message: err.message }]);
    throw err;
  }
}

async function getEndpointRow(deps: WebhooksDeps, ctx: RequestContext, id: string, forUpdate = false) {
  const row = await findEndpoint(deps.db, ctx.scopeId, id, forUpdate);
  if (!row) throw notFound('Webhook endpoint');
  return row;
}

const audited = (e: WebhookEndpoint) => ({
  url: e.url,
  description: e.description,
  eventTypes: e.eventTypes,
  enabled: e.enabled,
});

export async function listWebhooks(deps: WebhooksDeps, ctx: RequestContext): Promise<WebhookEndpoint[]> {
  assertCan(ctx, 'webhooks.manage');
  return (await listEndpoints(deps.db, ctx.scopeId)).map(toEndpoint);
}

export async function getWebhook(
  deps: WebhooksDeps,
  ctx: RequestContext,
  id: string,
): Promise<WebhookEndpoint> {
  assertCan(ctx, 'webhooks.manage');
  return toEndpoint(await getEndpointRow(deps, ctx, id));
}

/** Creates an endpoint; its secret is in this answer and nowhere else, ever. */
export async function createWebhook(
  deps: WebhooksDeps,
  ctx: RequestContext,
  body: WebhookCreateBody,
): Promise<WebhookWithSecret> {
  assertCan(ctx, 'webhooks.manage');
  await assertTarget(deps, body.url);
  const secret = newSecret();
  return deps.db.transaction().execute(async (tx) => {
    const row = await insertEndpoint(tx, {
      scopeId: ctx.scopeId,
      url: body.url,
      description: body.description ?? null,
      eventTypes: normalizeTypes(body.eventTypes),
      enabled: body.enabled,
      secret,
    });
    const endpoint = toEndpoint(row);
    await recordAudit(tx, ctx, {
      action: 'webhook.created',
      entityType: 'webhook',
      entityId: row.id,
      after: audited(endpoint),
    });
    return { ...endpoint, secret };
  });
}

export async function updateWebhook(
  deps: WebhooksDeps,
  ctx: RequestContext,
  id: string,
  body: WebhookUpdateBody,
): Promise<WebhookEndpoint> {
  assertCan(ctx, 'webhooks.manage');
  if (body.url !== undefined) await assertTarget(deps, body.url);
  return deps.db.transaction().execute(async (tx) => {
    const before = await findEndpoint(tx, ctx.scopeId, id, true);
    if (!before) throw notFound('Webhook endpoint');
    const enabling = body.enabled === true && !before.enabled;
    const row = await updateEndpoint(tx, id, {
      ...(body.url !== undefined && { url: body.url }),
      ...(body.description !== undefined && { description: body.description ?? null }),
      ...(body.eventTypes !== undefined && { event_types: normalizeTypes(body.eventTypes) }),
      ...(body.enabled !== undefined && { enabled: body.enabled, disabled_reason: null }),
      // Switched on again: its failures start counting afresh.
      ...(enabling && { failing_since: null }),
    });
    const b = audited(toEndpoint(before));
    const a = audited(toEndpoint(row));
    const changed = (Object.keys(a) as (keyof typeof a)[]).filter(
      (k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]),
    );
    if (changed.length)
      await recordAudit(tx, ctx, {
        action: 'webhook.updated',
        entityType: 'webhook',
        entityId: id,
        before: Object.fromEntries(changed.map((k) => [k, b[k]])),
        after: Object.fromEntries(changed.map((k) => [k, a[k]])),
      });
    if (enabling) deps.wake();
    if (before.enabled && !row.enabled) await failUndeliverablePushes(tx, ctx.scopeId);
    return toEndpoint(row);
  });
}

export async function removeWebhook(deps: WebhooksDeps, ctx: RequestContext, id: string): Promise<void> {
  assertCan(ctx, 'webhooks.manage');
  await deps.db.transaction().execute(async (tx) => {
    const row = await findEndpoint(tx, ctx.scopeId, id, true);
    if (!row) throw notFound('Webhook endpoint');
    await deleteEndpoint(tx, id);
    await failUndeliverablePushes(tx, ctx.scopeId);
    await recordAudit(tx, ctx, {
      action: 'webhook.deleted',
      entityType: 'webhook',
      entityId: id,
      before: audited(toEndpoint(row)),
    });
  });
}

/**
 * A new secret, returned once; the one it replaces keeps signing beside it for the configured overlap,
 * so receivers can switch without missing a delivery.
 */
export async function rotateWebhookSecret(
  deps: WebhooksDeps,
  ctx: RequestContext,
  id: string,
): Promise<WebhookWithSecret> {
  assertCan(ctx, 'webhooks.manage');
  const secret = newSecret();
  return deps.db.transaction().execute(async (tx) => {
    const before = await findEndpoint(tx, ctx.scopeId, id, true);
    if (!before) throw notFound('Webhook endpoint');
    const until = new Date(Date.now() + deps.config.secretOverlapMs);
    const row = await updateEndpoint(tx, id, {
      secret,
      previous_secret: deps.config.secretOverlapMs > 0 ? before.secret : null,
      previous_secret_until: deps.config.secretOverlapMs > 0 ? until : null,
    });
    await recordAudit(tx, ctx, {
      action: 'webhook.secret-rotated',
      entityType: 'webhook',
      entityId: id,
      after: { previousSecretUntil: toEndpoint(row).previousSecretUntil },
    });
    return { ...toEndpoint(row), secret };
  });
}

export async function listWebhookDeliveries(
  deps: WebhooksDeps,
  ctx: RequestContext,
  id: string,
  query: WebhookDeliveryListQuery,
): Promise<{ items: WebhookDelivery[]; nextCursor: string | null }> {
  assertCan(ctx, 'webhooks.manage');
  await getEndpointRow(deps, ctx, id);
  const cursor = decodeCursor(query.cursor, { n: 'integer' });
  const { rows, lastN } = await listDeliveries(deps.db, id, {
    status: query.status,
    beforeN: cursor?.n,
    limit: query.limit,
  });
  return { items: rows, nextCursor: lastN ? encodeCursor({ n: lastN }) : null };
}

/** Sends one delivery again, with the same webhook-id; one still on its way is a conflict. */
export async function resendWebhookDelivery(
  deps: WebhooksDeps,
  ctx: RequestContext,
  id: string,
  deliveryId: string,
): Promise<void> {
  assertCan(ctx, 'webhooks.manage');
  await getEndpointRow(deps, ctx, id);
  const done = await requeueDelivery(deps.db, id, deliveryId);
  if (!done) {
    const found = await findDeliveryStatus(deps.db, id, deliveryId);
    if (!found) throw notFound('Delivery');
    throw conflict('This delivery is still on its way; it can be sent again once it succeeded or failed');
  }
  await recordAudit(deps.db, ctx, {
    action: 'webhook.delivery-resent',
    entityType: 'webhook',
    entityId: id,
    after: { deliveryId },
  });
  deps.wake();
}

export async function replayWebhookDeliveries(
  deps: WebhooksDeps,
  ctx: RequestContext,
  id: string,
  since: Date,
): Promise<{ resent: number }> {
  assertCan(ctx, 'webhooks.manage');
  await getEndpointRow(deps, ctx, id);
  const resent = await deps.db.transaction().execute(async (tx) => {
    const n = await requeueFailedSince(tx, id, since);
    await recordAudit(tx, ctx, {
      action: 'webhook.replayed',
      entityType: 'webhook',
      entityId: id,
      after: { since: since.toISOString(), resent: n },
    });
    return n;
  });
  deps.wake();
  return { resent };
}

/** Queues a `webhook.test` event to this endpoint alone; the answer names its delivery. */
export async function sendTestWebhook(
  deps: WebhooksDeps,
  ctx: RequestContext,
  id: string,
): Promise<{ deliveryId: string }> {
  assertCan(ctx, 'webhooks.manage');
  const row = await getEndpointRow(deps, ctx, id);
  if (!row.enabled)
    throw unprocessable('Enable the endpoint to send it a test event', [
      { path: 'enabled', message: 'The endpoint is disabled' },
    ]);
  const delivery = await insertTestDelivery(deps.db, id, {
    message: 'A test event from Clientele',
    webhookId: id,
    sentBy: ctx.actor.label,
  });
  deps.wake();
  return { deliveryId: delivery.id };
}
