import type { Executor } from '../../db/client.ts';
import {
  insertEvents,
  insertImportEvents,
  insertUpdatedEvents,
  lastAuditId,
  type NewEvent,
} from './events.repository.ts';

export type { NewEvent } from './events.repository.ts';
/** The event writes of a change, to chain into its own statement (`writeChain`). */
export { eventWrites } from './events.repository.ts';

/** Records domain events in the caller's transaction (the outbox): one statement, whatever the count. */
export async function recordEvents(db: Executor, events: NewEvent[]): Promise<void> {
  await insertEvents(db, events);
}

export async function recordEvent(db: Executor, event: NewEvent): Promise<void> {
  await recordEvents(db, [event]);
}

/**
 * The events of the accounts and contacts an import range wrote in this transaction (one statement);
 * `since` is what `importEventsMark` said before the range.
 */
export async function recordImportEvents(
  db: Executor,
  importId: string,
  scopeId: string,
  since: string,
): Promise<void> {
  await insertImportEvents(db, importId, scopeId, since);
}

export const importEventsMark = (db: Executor): Promise<string> => lastAuditId(db);

/**
 * `account.updated` / `contact.updated` for a change made beside the record (its addresses, its customer
 * groups), in the caller's transaction: one statement for any number of records.
 */
export async function recordUpdatedEvents(
  db: Executor,
  scopeId: string,
  kind: 'account' | 'contact',
  ids: string[],
  changed: string[],
): Promise<void> {
  await insertUpdatedEvents(db, scopeId, kind, ids, changed);
}
