import { z } from 'zod';

/** What happened, as integrations subscribe to it (webhook event types). */
export const EventType = z.enum([
  'account.created',
  'account.updated',
  'account.approved',
  'account.rejected',
  'account.sync-requested',
  'contact.created',
  'contact.updated',
  'contact.remapped',
  'order.first',
]);
export type EventType = z.infer<typeof EventType>;
