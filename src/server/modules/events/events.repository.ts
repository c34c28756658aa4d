import { sql } from 'kysely';
import type { EventType } from '../../../contracts/events.ts';
import type { Executor } from '../../db/client.ts';
import { writeChain, type ChainedWrite } from '../../db/write-chain.ts';
import { eventsWritten } from './events-written.ts';

export type NewEvent = {
  scopeId: string;
  type: EventType;
  /** The account the event concerns: events of one account are delivered in order. */
  accountId: string | null;
  /** The payload's `data`, as receivers see it. */
  data: Record<string, unknown>;
};

/**
 * The writes of `insertEvents` for a caller's chain (`writeChain`): the events, and one webhook delivery
 * per enabled endpoint that subscribes to each.
 */
export function eventWrites(db: Executor, events: NewEvent[]): ChainedWrite[] {
  if (events.length === 0) return [];
  eventsWritten();
  return [
    {
      name: 'new_events',
      query: db
        .insertInto('events')
        .values(
          events.map((e) => ({
            scope_id: e.scopeId,
            type: e.type,
            account_id: e.accountId,
            data: JSON.stringify(e.data),
          })),
        )
        .returning(['id', 'seq', 'scope_id', 'type', 'account_id']),
    },
    {
      name: 'new_webhook_deliveries',
      query: sql`INSERT INTO webhook_deliveries (endpoint_id, event_id, type, account_id, seq, next_attempt_at)
        SELECT w.id, ev.id, ev.type, ev.account_id, ev.seq, now()
        FROM new_events ev JOIN webhook_endpoints w ON w.scope_id = ev.scope_id AND w.enabled
          AND (ev.type = ANY(w.event_types) OR '*' = ANY(w.event_types))`,
    },
  ];
}

/**
 * Writes events and, in the same statement, one webhook delivery per enabled endpoint that subscribes
 * to each (a data-modifying CTE); pass the transaction of the change so they exist only if it commits.
 */
export async function insertEvents(db: Executor, events: NewEvent[]): Promise<void> {
  if (events.length === 0) return;
  await writeChain(eventWrites(db, events)).execute(db);
}

/** An account (alias `a`) as set-based events carry it. */
const ACCOUNT_JSON = sql`jsonb_build_object(
  'id', a.id, 'kind', a.kind, 'name', a.name, 'code', a.code, 'number', a.number,
  'status', a.status, 'paymentTerms', a.payment_terms, 'priceGroup', a.price_group,
  'salesRepCode', a.sales_rep_code, 'attributes', a.custom,
  'createdAt', a.created_at, 'updatedAt', a.updated_at)`;

/** A contact (alias `c`) with its primary account (alias `pa`) as set-based events carry it. */
const CONTACT_JSON = sql`jsonb_build_object(
  'id', c.id, 'email', c.email, 'firstName', c.first_name, 'lastName', c.last_name,
  'phone', c.phone, 'workPhone', c.work_phone, 'language', c.language, 'status', c.status,
  'hasLogin', c.password_hash IS NOT NULL, 'attributes', c.custom,
  'account', CASE WHEN pa.id IS NULL THEN NULL ELSE jsonb_build_object(
    'id', pa.id, 'name', pa.name, 'number', pa.number, 'code', pa.code) END,
  'createdAt', c.created_at, 'updatedAt', c.updated_at)`;

/** The webhook deliveries of the events just inserted (CTE `ev`): one per subscribed enabled endpoint. */
const DELIVERIES_OF_EV = sql`
  INSERT INTO webhook_deliveries (endpoint_id, event_id, type, account_id, seq, next_attempt_at)
  SELECT w.id, ev.id, ev.type, ev.account_id, ev.seq, now()
  FROM ev JOIN webhook_endpoints w ON w.scope_id = ev.scope_id AND w.enabled
    AND (ev.type = ANY(w.event_types) OR '*' = ANY(w.event_types))`;

/**
 * `account.updated` or `contact.updated` for each of `ids`, with what changed in `changed` (an address, a
 * customer group membership): one statement for any number, with the webhook deliveries. The data is the
 * record as it now is, in the shape imports give it.
 */
export async function insertUpdatedEvents(
  db: Executor,
  scopeId: string,
  kind: 'account' | 'contact',
  ids: string[],
  changed: string[],
): Promise<void> {
  if (ids.length === 0) return;
  eventsWritten();
  const also = sql`jsonb_build_object('changed', ${JSON.stringify(changed)}::jsonb)`;
  const source =
    kind === 'account'
      ? sql`SELECT a.scope_id, 'account.updated', a.id, ${ACCOUNT_JSON} || ${also}
          FROM accounts a WHERE a.scope_id = ${scopeId} AND a.id = ANY(${ids}::uuid[]) ORDER BY a.id`
      : sql`SELECT c.scope_id, 'contact.updated', pa.id, ${CONTACT_JSON} || ${also}
          FROM contacts c
          LEFT JOIN contact_accounts ca ON ca.contact_id = c.id AND ca.is_primary
          LEFT JOIN accounts pa ON pa.id = ca.account_id
          WHERE c.scope_id = ${scopeId} AND c.id = ANY(${ids}::uuid[]) ORDER BY c.id`;
  await sql`
    WITH ev AS (
      INSERT INTO events (scope_id, type, account_id, data) ${source}
      RETURNING id, seq, scope_id, type, account_id
    )
    ${DELIVERIES_OF_EV}`.execute(db);
}

/**
 * The events of what an import wrote in the current transaction, read from its audit rows (an import
 * writes them set-based, in the same statements as the rows): one statement for the whole range,
 * with the webhook deliveries. Data is the account or contact as it now is, and `changed` for updates.
 */
export async function insertImportEvents(
  db: Executor,
  importId: string,
  scopeId: string,
  afterAuditId: string,
): Promise<void> {
  eventsWritten();
  await sql`
    WITH ev AS (
      INSERT INTO events (scope_id, type, account_id, data)
      SELECT ${scopeId}::uuid, l.action, coalesce(a.id, pa.id),
        CASE WHEN a.id IS NOT NULL THEN ${ACCOUNT_JSON} ELSE ${CONTACT_JSON} END || CASE WHEN l.action LIKE '%.updated' AND l.after IS NOT NULL
          THEN jsonb_build_object('changed', (SELECT jsonb_agg(k) FROM jsonb_object_keys(l.after) k))
          ELSE '{}'::jsonb END
      FROM audit_log l
      -- Joined on the primary keys (a cast of the key's side would scan the table for every audit row).
      LEFT JOIN accounts a ON a.id = CASE WHEN l.entity_type = 'account' THEN l.entity_id::uuid END
      LEFT JOIN contacts c ON c.id = CASE WHEN l.entity_type = 'contact' THEN l.entity_id::uuid END
      LEFT JOIN contact_accounts ca ON ca.contact_id = c.id AND ca.is_primary
      LEFT JOIN accounts pa ON pa.id = ca.account_id
      -- now() is the transaction's start, and the range's rows come after the last one before it (an
      -- all-or-nothing import applies every range in one transaction).
      WHERE l.import_id = ${importId} AND l.at = now() AND l.id > ${afterAuditId}::bigint
        AND l.action IN ('account.created', 'account.updated', 'contact.created', 'contact.updated')
        AND (a.id IS NOT NULL OR c.id IS NOT NULL)
      ORDER BY l.id
      RETURNING id, seq, scope_id, type, account_id
    )
    ${DELIVERIES_OF_EV}`.execute(db);
}

/** The last audit row id so far: the rows a range writes next come after it. */
export async function lastAuditId(db: Executor): Promise<string> {
  const row = await db
    .selectFrom('audit_log')
    .select((eb) => eb.fn.coalesce(eb.fn.max('id'), sql<string>`0`).as('id'))
    .executeTakeFirstOrThrow();
  return String(row.id);
}
