import { sql } from 'kysely';
import type { CustomerGroup } from '../../../contracts/customer-groups.ts';
import type { Executor } from '../../db/client.ts';
import type { CustomerGroupsTable } from '../../db/schema.ts';
import type { Selectable } from 'kysely';

export type CustomerGroupRow = Selectable<CustomerGroupsTable>;
type CustomerGroupRecord = CustomerGroupRow & { account_count: number; contact_count: number };

/**
 * Groups of a scope with their member counts (a store has tens of groups, so counting is cheap).
 * With `assignedTo` (an employee restricted to assigned accounts) only the members they reach are counted.
 */
export function selectCustomerGroups(db: Executor, scopeId: string, assignedTo: string | null = null) {
  const accountReached = assignedTo
    ? sql`and exists (select 1 from employee_accounts ea where ea.account_id = m.account_id and ea.employee_id = ${assignedTo})`
    : sql``;
  const contactReached = assignedTo
    ? sql`and exists (select 1 from contact_accounts ca join employee_accounts ea on ea.account_id = ca.account_id
        where ca.contact_id = m.contact_id and ea.employee_id = ${assignedTo})`
    : sql``;
  return db
    .selectFrom('customer_groups')
    .selectAll('customer_groups')
    .select([
      sql<number>`(select count(*)::int from account_customer_groups m where m.customer_group_id = customer_groups.id ${accountReached})`.as(
        'account_count',
      ),
      sql<number>`(select count(*)::int from contact_customer_groups m where m.customer_group_id = customer_groups.id ${contactReached})`.as(
        'contact_count',
      ),
    ])
    .where('customer_groups.scope_id', '=', scopeId);
}

export function toCustomerGroup(row: CustomerGroupRecord): CustomerGroup {
  return {
    id: row.id,
    key: row.key,
    name: row.name,
    accountCount: row.account_count,
    contactCount: row.contact_count,
    hasPassword: row.password_hash !== null,
    loginValidFrom: row.login_valid_from?.toISOString() ?? null,
    loginValidUntil: row.login_valid_until?.toISOString() ?? null,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export async function findCustomerGroup(
  db: Executor,
  scopeId: string,
  id: string,
  assignedTo: string | null = null,
): Promise<(CustomerGroup & { passwordHash: string | null }) | undefined> {
  const row = await selectCustomerGroups(db, scopeId, assignedTo)
    .where('customer_groups.id', '=', id)
    .executeTakeFirst();
  return row && { ...toCustomerGroup(row), passwordHash: row.password_hash };
}

/** Groups by key, whatever the case of the keys given; `lock` holds them until the transaction ends. */
export async function findCustomerGroupsByKeys(
  db: Executor,
  scopeId: string,
  keys: readonly string[],
  options: { lock?: boolean } = {},
): Promise<CustomerGroupRow[]> {
  if (!keys.length) return [];
  let q = db
    .selectFrom('customer_groups')
    .selectAll()
    .where('scope_id', '=', scopeId)
    .where(
      sql<string>`lower(key)`,
      'in',
      keys.map((k) => k.toLowerCase()),
    );
  if (options.lock) q = q.forShare();
  return q.execute();
}

/** The auditable face of a group: no hash, only whether there is a password. */
export const auditedCustomerGroup = (g: CustomerGroup) => ({
  key: g.key,
  name: g.name,
  hasPassword: g.hasPassword,
  loginValidFrom: g.loginValidFrom,
  loginValidUntil: g.loginValidUntil,
});

// Rows per statement: well under PostgreSQL's 65,535 bind parameters.
const CHUNK = 5000;

/** Adds contacts to groups; returns the memberships that are new. */
export async function addContactMemberships(
  db: Executor,
  pairs: Array<{ contact_id: string; customer_group_id: string }>,
): Promise<Array<{ contact_id: string; customer_group_id: string }>> {
  const added = [];
  for (let i = 0; i < pairs.length; i += CHUNK)
    added.push(
      ...(await db
        .insertInto('contact_customer_groups')
        .values(pairs.slice(i, i + CHUNK))
        .onConflict((oc) => oc.doNothing())
        .returning(['contact_id', 'customer_group_id'])
        .execute()),
    );
  return added;
}

export async function addAccountMemberships(
  db: Executor,
  pairs: Array<{ account_id: string; customer_group_id: string }>,
): Promise<Array<{ account_id: string; customer_group_id: string }>> {
  const added = [];
  for (let i = 0; i < pairs.length; i += CHUNK)
    added.push(
      ...(await db
        .insertInto('account_customer_groups')
        .values(pairs.slice(i, i + CHUNK))
        .onConflict((oc) => oc.doNothing())
        .returning(['account_id', 'customer_group_id'])
        .execute()),
    );
  return added;
}
