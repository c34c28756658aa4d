import { sql, type Expression, type SqlBool } from 'kysely';
import type { Executor } from '../../db/client.ts';
import { unprocessable } from '../../lib/errors.ts';

/**
 * `customerGroup=<key>` on the accounts and contacts lists: an EXISTS on the membership table, in the
 * page query itself (no extra statement). The key matches in any case, as group keys are unique so.
 */
export function inCustomerGroup(
  member: 'account' | 'contact',
  scopeId: string,
  key: string,
): Expression<SqlBool> {
  return member === 'account'
    ? sql<SqlBool>`exists (select 1 from account_customer_groups m join customer_groups g on g.id = m.customer_group_id
        where m.account_id = accounts.id and g.scope_id = ${scopeId} and lower(g.key) = ${key.toLowerCase()})`
    : sql<SqlBool>`exists (select 1 from contact_customer_groups m join customer_groups g on g.id = m.customer_group_id
        where m.contact_id = contacts.id and g.scope_id = ${scopeId} and lower(g.key) = ${key.toLowerCase()})`;
}

/**
 * An unknown group key is 422 naming `customerGroup`, not an empty page, so a typo is not mistaken for
 * "nobody is in it". Checked only when the page came back empty: a full page proves the group exists.
 */
export async function assertCustomerGroupKnown(db: Executor, scopeId: string, key: string): Promise<void> {
  const group = await db
    .selectFrom('customer_groups')
    .select('id')
    .where('scope_id', '=', scopeId)
    .where(sql<string>`lower(key)`, '=', key.toLowerCase())
    .executeTakeFirst();
  if (!group)
    throw unprocessable(`Unknown customer group: ${key}`, [
      { path: 'customerGroup', message: `No customer group with the key ${key}` },
    ]);
}
