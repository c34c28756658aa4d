import { sql } from 'kysely';
import type { EventType } from '../../../contracts/events.ts';
import type { Executor } from '../../db/client.ts';

export type NewEvent = {
  scopeId: string;
  type: EventType;
  /** The account the event concerns: events of one account are delivered in order. */
  accountId: string | null;
  /** The payload's `data`, as receivers see it. */
  data: Record<string, unknown>;
};

/**
 * Writes events and, in the same statement, one webhook delivery per enabled endpoint that subscribes
 * to each (a data-modifying CTE); pass the transaction of the change so they exist only if it commits.
 */
export async function insertEvents(db: Executor, events: NewEvent[]): Promise<void> {
  if (events.length === 0) return;
  await db
    .with('ev', (qb) =>
      qb
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
    )
    .insertInto('webhook_deliveries')
    .columns(['endpoint_id', 'event_id', 'type', 'account_id', 'seq', 'next_attempt_at'])
    .expression((eb) =>
      eb
        .selectFrom('ev')
        .innerJoin('webhook_endpoints as w', (join) =>
          join
            .onRef('w.scope_id', '=', 'ev.scope_id')
            .on('w.enabled', '=', true)
            .on(sql<boolean>`(ev.type = ANY(w.event_types) OR '*' = ANY(w.event_types))`),
        )
        .select([
          'w.id',
          'ev.id',
          'ev.type',
          'ev.account_id',
          'ev.seq',
          sql<Date>`now()`.as('next_attempt_at'),
        ]),
    )
    .execute();
}
