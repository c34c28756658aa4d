import { sql } from 'kysely';
import type { WebhookAttempt, WebhookDelivery, WebhookEndpoint } from '../../../contracts/webhooks.ts';
import type { Executor } from '../../db/client.ts';
import type { WebhookEndpointsTable } from '../../db/schema.ts';
import type { Selectable } from 'kysely';

type EndpointRow = Selectable<WebhookEndpointsTable>;

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

/** The public face of an endpoint: everything but its secrets. */
export function toEndpoint(row: EndpointRow): WebhookEndpoint {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    eventTypes: row.event_types,
    enabled: row.enabled,
    disabledReason: row.disabled_reason,
    failingSince: iso(row.failing_since),
    previousSecretUntil:
      row.previous_secret_until && row.previous_secret_until > new Date()
        ? iso(row.previous_secret_until)
        : null,
    createdAt: iso(row.created_at)!,
    updatedAt: iso(row.updated_at)!,
  };
}

export async function listEndpoints(db: Executor, scopeId: string): Promise<EndpointRow[]> {
  return db
    .selectFrom('webhook_endpoints')
    .selectAll()
    .where('scope_id', '=', scopeId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

export async function findEndpoint(
  db: Executor,
  scopeId: string,
  id: string,
  forUpdate = false,
): Promise<EndpointRow | undefined> {
  let q = db.selectFrom('webhook_endpoints').selectAll().where('scope_id', '=', scopeId).where('id', '=', id);
  if (forUpdate) q = q.forUpdate();
  return q.executeTakeFirst();
}

export async function insertEndpoint(
  db: Executor,
  values: {
    scopeId: string;
    url: string;
    description: string | null;
    eventTypes: string[];
    enabled: boolean;
    secret: string;
  },
): Promise<EndpointRow> {
  return db
    .insertInto('webhook_endpoints')
    .values({
      scope_id: values.scopeId,
      url: values.url,
      description: values.description,
      event_types: values.eventTypes,
      enabled: values.enabled,
      secret: values.secret,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function updateEndpoint(
  db: Executor,
  id: string,
  set: Partial<{
    url: string;
    description: string | null;
    event_types: string[];
    enabled: boolean;
    disabled_reason: string | null;
    failing_since: Date | null;
    secret: string;
    previous_secret: string | null;
    previous_secret_until: Date | null;
  }>,
): Promise<EndpointRow> {
  return db
    .updateTable('webhook_endpoints')
    .set({ ...set, updated_at: new Date() })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function deleteEndpoint(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('webhook_endpoints').where('id', '=', id).execute();
}

type DeliveryRow = {
  id: string;
  n: string;
  event_id: string | null;
  type: string;
  account_id: string | null;
  status: WebhookDelivery['status'];
  attempts: number;
  next_attempt_at: Date | string | null;
  last_status: number | null;
  last_error: string | null;
  created_at: Date | string;
  completed_at: Date | string | null;
  attempt_log: {
    attempt: number;
    at: string;
    request_headers: Record<string, string>;
    request_body: string;
    response_status: number | null;
    response_body: string | null;
    error: string | null;
    duration_ms: number;
  }[];
};

/** A page of an endpoint's deliveries, newest first, each with its attempts: one statement. */
export async function listDeliveries(
  db: Executor,
  endpointId: string,
  options: { status?: string; beforeN?: string; limit: number },
): Promise<{ rows: WebhookDelivery[]; lastN: string | null }> {
  const { rows } = await sql<DeliveryRow>`
    SELECT d.id, d.n::text AS n, d.event_id, d.type, d.account_id, d.status, d.attempts, d.next_attempt_at,
      d.last_status, d.last_error, d.created_at, d.completed_at,
      coalesce((SELECT jsonb_agg(jsonb_build_object(
          'attempt', a.attempt, 'at', a.created_at, 'request_headers', a.request_headers,
          'request_body', a.request_body, 'response_status', a.response_status,
          'response_body', a.response_body, 'error', a.error, 'duration_ms', a.duration_ms)
        ORDER BY a.created_at, a.id)
        FROM webhook_attempts a WHERE a.delivery_id = d.id), '[]'::jsonb) AS attempt_log
    FROM webhook_deliveries d
    WHERE d.endpoint_id = ${endpointId}
      ${options.status ? sql`AND d.status = ${options.status}` : sql``}
      ${options.beforeN ? sql`AND d.n < ${options.beforeN}::bigint` : sql``}
    ORDER BY d.n DESC
    LIMIT ${options.limit + 1}`.execute(db);
  const page = rows.slice(0, options.limit);
  return {
    rows: page.map(toDelivery),
    lastN: rows.length > options.limit ? (page.at(-1)?.n ?? null) : null,
  };
}

function toDelivery(r: DeliveryRow): WebhookDelivery {
  return {
    id: r.id,
    eventId: r.event_id,
    type: r.type,
    accountId: r.account_id,
    status: r.status,
    attempts: r.attempts,
    nextAttemptAt: r.status === 'pending' ? iso(r.next_attempt_at) : null,
    lastStatus: r.last_status,
    lastError: r.last_error,
    createdAt: iso(r.created_at)!,
    completedAt: iso(r.completed_at),
    attemptLog: r.attempt_log.map((a): WebhookAttempt => ({
      attempt: a.attempt,
      at: iso(a.at)!,
      requestHeaders: a.request_headers,
      requestBody: a.request_body,
      responseStatus: a.response_status,
      responseBody: a.response_body,
      error: a.error,
      durationMs: a.duration_ms,
    })),
  };
}

/** Sends a finished delivery again, from the first step of the schedule, with the same id (webhook-id). */
export async function requeueDelivery(db: Executor, endpointId: string, deliveryId: string) {
  return db
    .updateTable('webhook_deliveries')
    .set({
      status: 'pending',
      attempts: 0,
      next_attempt_at: new Date(),
      completed_at: null,
      lease_until: null,
    })
    .where('endpoint_id', '=', endpointId)
    .where('id', '=', deliveryId)
    .where('status', 'in', ['succeeded', 'failed'])
    .returning('id')
    .executeTakeFirst();
}

export async function findDeliveryStatus(db: Executor, endpointId: string, deliveryId: string) {
  return db
    .selectFrom('webhook_deliveries')
    .select('status')
    .where('endpoint_id', '=', endpointId)
    .where('id', '=', deliveryId)
    .executeTakeFirst();
}

/** Every failed delivery of the endpoint created since `since`, sent again: one statement. */
export async function requeueFailedSince(db: Executor, endpointId: string, since: Date): Promise<number> {
  const result = await db
    .updateTable('webhook_deliveries')
    .set({
      status: 'pending',
      attempts: 0,
      next_attempt_at: new Date(),
      completed_at: null,
      lease_until: null,
    })
    .where('endpoint_id', '=', endpointId)
    .where('status', '=', 'failed')
    .where('created_at', '>=', since)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function insertTestDelivery(db: Executor, endpointId: string, data: Record<string, unknown>) {
  return db
    .insertInto('webhook_deliveries')
    .values({
      endpoint_id: endpointId,
      event_id: null,
      type: 'webhook.test',
      test_data: JSON.stringify(data),
      account_id: null,
      seq: sql`nextval(pg_get_serial_sequence('events', 'seq'))`,
      next_attempt_at: new Date(),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
}
