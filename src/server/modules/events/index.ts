import type { Executor } from '../../db/client.ts';
import { insertEvents, type NewEvent } from './events.repository.ts';

export type { NewEvent } from './events.repository.ts';

/** Records domain events in the caller's transaction (the outbox): one statement, whatever the count. */
export async function recordEvents(db: Executor, events: NewEvent[]): Promise<void> {
  await insertEvents(db, events);
}

export async function recordEvent(db: Executor, event: NewEvent): Promise<void> {
  await recordEvents(db, [event]);
}
