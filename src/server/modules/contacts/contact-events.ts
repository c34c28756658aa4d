import type { Contact } from '../../../contracts/contacts.ts';
import type { RequestContext } from '../../http/context.ts';
import type { NewEvent } from '../events/index.ts';

/** A contact event: its data is the contact as the API shows it; ordered with its primary account's events. */
export function contactEvent(
  ctx: Pick<RequestContext, 'scopeId'>,
  type: 'contact.created' | 'contact.updated',
  contact: Contact,
  changed?: string[],
): NewEvent {
  return {
    scopeId: ctx.scopeId,
    type,
    accountId: contact.account?.id ?? null,
    data: { ...contact, ...(changed && { changed }) },
  };
}
