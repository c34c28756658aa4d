import { sql, type Expression, type SqlBool } from 'kysely';
import type { Contact, ContactSummary } from '../../../contracts/contacts.ts';
import type { Executor } from '../../db/client.ts';
import type { ContactRow } from '../../db/schema.ts';
import type { RequestContext } from '../../http/context.ts';
import { attributesOf } from '../attributes/validate.ts';

type AccountRef = { id: string; name: string; number: string; code: string | null };

/** crmCompany* employees reach only contacts of their assigned accounts. */
export function contactVisibleTo(ctx: RequestContext): Expression<SqlBool> {
  if (!ctx.actor.restrictToAssigned) return sql<SqlBool>`true`;
  return sql<SqlBool>`exists (select 1 from contact_accounts ca join employee_accounts ea on ea.account_id = ca.account_id
    where ca.contact_id = contacts.id and ea.employee_id = ${ctx.actor.id})`;
}

export function selectContactSummaries(db: Executor) {
  return db
    .selectFrom('contacts')
    .leftJoin('contact_accounts as pa', (j) =>
      j.onRef('pa.contact_id', '=', 'contacts.id').on('pa.is_primary', '=', true),
    )
    .leftJoin('accounts as primary_account', 'primary_account.id', 'pa.account_id')
    .select([
      'contacts.id',
      'contacts.email',
      'contacts.first_name',
      'contacts.last_name',
      'contacts.phone',
      'contacts.status',
      'contacts.created_at',
      sql<boolean>`contacts.password_hash is not null`.as('has_login'),
      // Exact to the microsecond, for keyset cursors (a JS Date keeps only milliseconds).
      sql<string>`contacts.created_at::text`.as('created_key'),
      'primary_account.id as account_id',
      'primary_account.name as account_name',
      'primary_account.number as account_number',
      'primary_account.code as account_code',
      sql<
        string[]
      >`array(select g.key from contact_customer_groups ccg join customer_groups g on g.id = ccg.customer_group_id where ccg.contact_id = contacts.id order by g.key)`.as(
        'customer_groups',
      ),
      attributesOf('contact', 'contacts').as('attributes'),
    ]);
}

type SummaryRow = {
  id: string;
  email: string;
  first_name: string;
  last_name: string;
  phone: string | null;
  status: ContactRow['status'];
  created_at: Date;
  has_login: boolean;
  account_id: string | null;
  account_name: string | null;
  account_number: string | null;
  account_code: string | null;
  customer_groups: string[];
  attributes: ContactSummary['attributes'];
};

export function toContactSummary(r: SummaryRow): ContactSummary {
  return {
    id: r.id,
    email: r.email,
    firstName: r.first_name,
    lastName: r.last_name,
    phone: r.phone,
    status: r.status,
    hasLogin: r.has_login,
    account: r.account_id
      ? { id: r.account_id, name: r.account_name!, number: r.account_number!, code: r.account_code }
      : null,
    customerGroups: r.customer_groups,
    attributes: r.attributes ?? {},
    createdAt: r.created_at.toISOString(),
  };
}

/** The whole contact: its accounts, roles, group roles and the roles those bring. */
export async function loadContact(db: Executor, id: string): Promise<Contact | undefined> {
  const row = await db
    .selectFrom('contacts')
    .selectAll()
    .select(attributesOf('contact', 'contacts').as('attributes'))
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) return undefined;
  const [accounts, roles, groupRoles, inherited, customerGroups] = await Promise.all([
    db
      .selectFrom('contact_accounts')
      .innerJoin('accounts', 'accounts.id', 'contact_accounts.account_id')
      .select([
        'accounts.id',
        'accounts.name',
        'accounts.number',
        'accounts.code',
        'contact_accounts.is_primary',
      ])
      .where('contact_accounts.contact_id', '=', id)
      .orderBy('contact_accounts.is_primary', 'desc')
      .orderBy('accounts.name')
      .execute(),
    db
      .selectFrom('contact_roles')
      .innerJoin('roles', 'roles.id', 'contact_roles.role_id')
      .select('roles.key')
      .where('contact_id', '=', id)
      .orderBy('roles.key')
      .execute(),
    db
      .selectFrom('contact_group_roles')
      .innerJoin('group_roles', 'group_roles.id', 'contact_group_roles.group_role_id')
      .select('group_roles.key')
      .where('contact_id', '=', id)
      .orderBy('group_roles.key')
      .execute(),
    db
      .selectFrom('contact_group_roles')
      .innerJoin('group_role_roles', 'group_role_roles.group_role_id', 'contact_group_roles.group_role_id')
      .innerJoin('roles', 'roles.id', 'group_role_roles.role_id')
      .select('roles.key')
      .where('contact_id', '=', id)
      .execute(),
    db
      .selectFrom('contact_customer_groups')
      .innerJoin('customer_groups', 'customer_groups.id', 'contact_customer_groups.customer_group_id')
      .select('customer_groups.key')
      .where('contact_id', '=', id)
      .orderBy('customer_groups.key')
      .execute(),
  ]);
  const refs: AccountRef[] = accounts.map(({ id: accountId, name, number, code }) => ({
    id: accountId,
    name,
    number,
    code,
  }));
  const primary = accounts.find((a) => a.is_primary);
  const roleKeys = roles.map((r) => r.key);
  return {
    id: row.id,
    email: row.email,
    firstName: row.first_name,
    lastName: row.last_name,
    phone: row.phone,
    workPhone: row.work_phone,
    language: row.language,
    status: row.status,
    hasLogin: row.password_hash !== null,
    account: primary ? refs.find((r) => r.id === primary.id)! : null,
    accounts: refs,
    roles: roleKeys,
    groupRoles: groupRoles.map((g) => g.key),
    effectiveRoles: [...new Set([...roleKeys, ...inherited.map((r) => r.key)])].sort(),
    customerGroups: customerGroups.map((g) => g.key),
    attributes: row.attributes ?? {},
    loginValidFrom: row.login_valid_from?.toISOString() ?? null,
    loginValidUntil: row.login_valid_until?.toISOString() ?? null,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

/** The fields an audit entry records for a contact. */
export const auditedContact = (c: Contact) => ({
  email: c.email,
  firstName: c.firstName,
  lastName: c.lastName,
  phone: c.phone,
  workPhone: c.workPhone,
  language: c.language,
  status: c.status,
  roles: c.roles,
  groupRoles: c.groupRoles,
  customerGroups: c.customerGroups,
  accountIds: c.accounts.map((a) => a.id),
  attributes: c.attributes,
  loginValidFrom: c.loginValidFrom,
  loginValidUntil: c.loginValidUntil,
});

export async function replaceLinks(
  db: Executor,
  table: 'contact_roles' | 'contact_group_roles',
  contactId: string,
  ids: string[],
): Promise<void> {
  await db.deleteFrom(table).where('contact_id', '=', contactId).execute();
  if (!ids.length) return;
  if (table === 'contact_roles')
    await db
      .insertInto('contact_roles')
      .values(ids.map((role_id) => ({ contact_id: contactId, role_id })))
      .execute();
  else
    await db
      .insertInto('contact_group_roles')
      .values(ids.map((group_role_id) => ({ contact_id: contactId, group_role_id })))
      .execute();
}
