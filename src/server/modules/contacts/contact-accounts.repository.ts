import { sql } from 'kysely';
import type { ContactAccount } from '../../../contracts/contact-accounts.ts';
import type { Executor } from '../../db/client.ts';
import type { RequestContext } from '../../http/context.ts';
import { accountVisibleTo } from '../accounts/accounts.repository.ts';
import { contactVisibleTo } from './contacts.repository.ts';

export type Link = Omit<ContactAccount, 'webAccount'>;
export type ContactLinks = { email: string; prefix: string; links: Link[] };

/** A generated web number: the prefix of Settings followed by digits only (R24). */
export const isWebNumber = (number: string, prefix: string) =>
  number.startsWith(prefix) && /^[0-9]+$/.test(number.slice(prefix.length));

/** The answer's shape and order: primary first, then by name. */
export const withWebFlag = (links: Link[], prefix: string): ContactAccount[] =>
  links
    .map((l) => ({ ...l, webAccount: isWebNumber(l.number, prefix) }))
    .sort((a, b) => Number(b.primary) - Number(a.primary) || a.name.localeCompare(b.name));

/**
 * A contact the actor may see with its accounts and the account-number prefix, in one statement;
 * undefined when the contact is missing or hidden. `lock` holds the contact row for a change.
 */
export async function loadContactLinks(
  db: Executor,
  ctx: RequestContext,
  contactId: string,
  lock = false,
): Promise<ContactLinks | undefined> {
  const { rows } = await sql<{
    email: string;
    prefix: string | null;
    id: string | null;
    number: string | null;
    code: string | null;
    name: string | null;
    status: Link['status'] | null;
    is_primary: boolean | null;
  }>`SELECT contacts.email,
      (SELECT s.value #>> '{}' FROM settings s WHERE s.scope_id = contacts.scope_id AND s.key = 'accountNumberPrefix') AS prefix,
      a.id, a.number, a.code, a.name, a.status, ca.is_primary
    FROM contacts
    LEFT JOIN contact_accounts ca ON ca.contact_id = contacts.id
    LEFT JOIN accounts a ON a.id = ca.account_id
    WHERE contacts.id = ${contactId} AND contacts.scope_id = ${ctx.scopeId} AND ${contactVisibleTo(ctx)}
    ORDER BY ca.is_primary DESC, lower(a.name), a.id
    ${lock ? sql`FOR UPDATE OF contacts` : sql``}`.execute(db);
  const first = rows[0];
  if (!first) return undefined;
  return {
    email: first.email,
    prefix: first.prefix ?? 'W',
    links: rows.flatMap((r) =>
      r.id
        ? [
            {
              id: r.id,
              number: r.number!,
              code: r.code,
              name: r.name!,
              status: r.status!,
              primary: r.is_primary!,
            },
          ]
        : [],
    ),
  };
}

/** An account of the actor's scope it may see; undefined otherwise. */
export function findVisibleAccount(db: Executor, ctx: RequestContext, accountId: string) {
  return db
    .selectFrom('accounts')
    .select(['id', 'number', 'code', 'name', 'status'])
    .where('id', '=', accountId)
    .where('scope_id', '=', ctx.scopeId)
    .where(accountVisibleTo(ctx))
    .executeTakeFirst();
}

/** Of these account ids, the ones the actor may not see. */
export async function hiddenAccounts(db: Executor, ctx: RequestContext, ids: string[]): Promise<string[]> {
  if (!ids.length || !ctx.actor.restrictToAssigned) return [];
  const seen = await db
    .selectFrom('accounts')
    .select('id')
    .where('id', 'in', ids)
    .where(accountVisibleTo(ctx))
    .execute();
  return ids.filter((id) => !seen.some((s) => s.id === id));
}

/** Writes the change from one set of links to the next: removals, the primary flag, additions. */
export async function writeLinks(db: Executor, contactId: string, before: Link[], after: Link[]) {
  const removed = before.filter((b) => !after.some((a) => a.id === b.id)).map((b) => b.id);
  const added = after.filter((a) => !before.some((b) => b.id === a.id));
  const primary = after.find((a) => a.primary)?.id ?? null;
  const wasPrimary = before.find((b) => b.primary)?.id ?? null;
  if (removed.length)
    await db
      .deleteFrom('contact_accounts')
      .where('contact_id', '=', contactId)
      .where('account_id', 'in', removed)
      .execute();
  // One primary per contact (a unique index): the old flag goes before the new one is set.
  if (wasPrimary && wasPrimary !== primary && !removed.includes(wasPrimary))
    await db
      .updateTable('contact_accounts')
      .set({ is_primary: false })
      .where('contact_id', '=', contactId)
      .where('account_id', '=', wasPrimary)
      .execute();
  if (added.length)
    await db
      .insertInto('contact_accounts')
      .values(added.map((a) => ({ contact_id: contactId, account_id: a.id, is_primary: a.primary })))
      .execute();
  if (primary && primary !== wasPrimary && !added.some((a) => a.id === primary))
    await db
      .updateTable('contact_accounts')
      .set({ is_primary: true })
      .where('contact_id', '=', contactId)
      .where('account_id', '=', primary)
      .execute();
  await db.updateTable('contacts').set({ updated_at: new Date() }).where('id', '=', contactId).execute();
}

/** Of these accounts, the ones no contact belongs to any more. */
export function accountsWithoutContacts(db: Executor, ids: string[]) {
  return db
    .selectFrom('accounts')
    .select(['id', 'number', 'name', 'status'])
    .where('id', 'in', ids)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('contact_accounts as m')
            .select('m.contact_id')
            .whereRef('m.account_id', '=', 'accounts.id'),
        ),
      ),
    )
    .execute();
}
