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

/** Writes events in one statement; pass the transaction of the change so they exist only if it commits. */
export async function insertEvents(db: Executor, events: NewEvent[]): Promise<{ id: string }[]> {
  if (events.length === 0) return [];
  return db
    .insertInto('events')
    .values(
      events.map((e) => ({
        scope_id: e.scopeId,
        type: e.type,
        account_id: e.accountId,
        data: JSON.stringify(e.data),
      })),
    )
    .returning('id')
    .execute();
}
