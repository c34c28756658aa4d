import { sql, type Expression, type Insertable, type SqlBool } from 'kysely';
import type { Contact, ContactSummary } from '../../../contracts/contacts.ts';
import type { Executor } from '../../db/client.ts';
import { prepared, statement } from '../../db/statements.ts';
import { writeChain, type ChainedWrite } from '../../db/write-chain.ts';
import type { ContactRow, ContactsTable } from '../../db/schema.ts';
import type { RequestContext } from '../../http/context.ts';
import { attributesOf } from '../attributes/validate.ts';
import { searchPageQuery, termMatches, type SearchTerm } from '../../lib/search-page.ts';

type AccountRef = { id: string; name: string; number: string; code: string | null };

/** crmCompany* employees reach only contacts of their assigned accounts. */
export function contactVisibleTo(ctx: RequestContext): Expression<SqlBool> {
  return ctx.actor.restrictToAssigned ? contactAssignedTo(ctx.actor.id) : sql<SqlBool>`true`;
}

/** The contact belongs to an account assigned to the employee. */
function contactAssignedTo(employeeId: string | null): Expression<SqlBool> {
  return sql<SqlBool>`exists (select 1 from contact_accounts ca join employee_accounts ea on ea.account_id = ca.account_id
    where ca.contact_id = contacts.id and ea.employee_id = ${employeeId})`;
}

/**
 * Ids of a page of contacts matching a search, in id order (see searchPageQuery). A contact matches by
 * its email or name, or by the code, number or name of an account it belongs to.
 */
export function searchContactIds(
  scopeId: string,
  term: Exclude<SearchTerm, { kind: 'nothing' }>,
  filters: Expression<SqlBool>[],
  after: string | undefined,
  limit: number,
) {
  const afterId = (column: string) =>
    after === undefined ? sql`true` : sql`${sql.ref(column)} > ${after}::uuid`;
  // Row by row, an account is looked at only when some account of the scope matches at all (an
  // InitPlan, once per statement), and as a scalar subquery: an EXISTS here becomes a hash of every
  // contact of the matching accounts, built before the first row.
  const viaAccount = sql<SqlBool>`(
    (SELECT EXISTS (SELECT 1 FROM accounts a WHERE a.scope_id = ${scopeId} AND ${termMatches(term, 'a.search', true)}))
    AND coalesce((SELECT true FROM contact_accounts m JOIN accounts a ON a.id = m.account_id
      WHERE m.contact_id = contacts.id AND ${termMatches(term, 'a.search', false)} LIMIT 1), false))`;
  const candidates = term.indexed
    ? sql`SELECT c.id FROM contacts c
        WHERE c.scope_id = ${scopeId} AND ${termMatches(term, 'c.search', true)} AND ${afterId('c.id')}
        UNION ALL
        SELECT m.contact_id FROM accounts a JOIN contact_accounts m ON m.account_id = a.id
        WHERE a.scope_id = ${scopeId} AND ${termMatches(term, 'a.search', true)} AND ${afterId('m.contact_id')}`
    : null;
  return searchPageQuery({
    table: 'contacts',
    filters,
    rowMatches: sql<SqlBool>`(${termMatches(term, 'contacts.search', false)} OR ${viaAccount})`,
    candidates,
    after,
    limit,
  });
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

type LinkedAccount = AccountRef & { is_primary: boolean };

/**
 * The whole contact in one statement: its accounts, roles, group roles, the roles those bring, and its
 * customer groups, each as an aggregate beside the contact's row.
 */
export function selectContacts(db: Executor) {
  return (
    db
      .selectFrom('contacts')
      // Named, not `contacts.*`: the read is a prepared statement (see readContact), and the hash stays here.
      .select([
        'contacts.id',
        'contacts.email',
        'contacts.first_name',
        'contacts.last_name',
        'contacts.phone',
        'contacts.work_phone',
        'contacts.language',
        'contacts.status',
        sql<boolean>`contacts.password_hash is not null`.as('has_login'),
        'contacts.login_valid_from',
        'contacts.login_valid_until',
        'contacts.created_at',
        'contacts.updated_at',
        attributesOf('contact', 'contacts').as('attributes'),
        sql<LinkedAccount[]>`coalesce((select json_agg(json_build_object('id', a.id, 'name', a.name,
        'number', a.number, 'code', a.code, 'is_primary', ca.is_primary) order by ca.is_primary desc, a.name)
        from contact_accounts ca join accounts a on a.id = ca.account_id where ca.contact_id = contacts.id),
        '[]'::json)`.as('linked_accounts'),
        sql<string[]>`array(select r.key from contact_roles cr join roles r on r.id = cr.role_id
        where cr.contact_id = contacts.id order by r.key)`.as('role_keys'),
        sql<
          string[]
        >`array(select g.key from contact_group_roles cg join group_roles g on g.id = cg.group_role_id
        where cg.contact_id = contacts.id order by g.key)`.as('group_role_keys'),
        sql<string[]>`array(select r.key from contact_group_roles cg
        join group_role_roles gr on gr.group_role_id = cg.group_role_id join roles r on r.id = gr.role_id
        where cg.contact_id = contacts.id)`.as('inherited_role_keys'),
        sql<string[]>`array(select g.key from contact_customer_groups cc
        join customer_groups g on g.id = cc.customer_group_id where cc.contact_id = contacts.id
        order by g.key)`.as('customer_group_keys'),
      ])
  );
}

type LoadedRow = NonNullable<Awaited<ReturnType<ReturnType<typeof selectContacts>['executeTakeFirst']>>>;

export function toContact(row: LoadedRow): Contact {
  const refs: AccountRef[] = row.linked_accounts.map(({ id, name, number, code }) => ({
    id,
    name,
    number,
    code,
  }));
  const primary = row.linked_accounts.find((a) => a.is_primary);
  return {
    id: row.id,
    email: row.email,
    firstName: row.first_name,
    lastName: row.last_name,
    phone: row.phone,
    workPhone: row.work_phone,
    language: row.language,
    status: row.status,
    hasLogin: row.has_login,
    account: primary ? refs.find((r) => r.id === primary.id)! : null,
    accounts: refs,
    roles: row.role_keys,
    groupRoles: row.group_role_keys,
    effectiveRoles: [...new Set([...row.role_keys, ...row.inherited_role_keys])].sort(),
    customerGroups: row.customer_group_keys,
    attributes: row.attributes ?? {},
    loginValidFrom: row.login_valid_from?.toISOString() ?? null,
    loginValidUntil: row.login_valid_until?.toISOString() ?? null,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

type ContactKey = { id: string; scopeId: string };

/** The whole contact (see selectContacts) by id, as a prepared statement: `GET /api/contacts/{id}` runs it. */
const readContact = {
  anyone: statement((db, p: ContactKey) =>
    selectContacts(db).where('contacts.id', '=', p.id).where('contacts.scope_id', '=', p.scopeId),
  ),
  assigned: statement((db, p: ContactKey & { employeeId: string | null }) =>
    selectContacts(db)
      .where('contacts.id', '=', p.id)
      .where('contacts.scope_id', '=', p.scopeId)
      .where(contactAssignedTo(p.employeeId)),
  ),
};

/** The contact, if it is in the actor's scope and the actor may see it. */
export async function findVisibleContact(
  db: Executor,
  ctx: RequestContext,
  id: string,
): Promise<Contact | undefined> {
  const key = { id, scopeId: ctx.scopeId };
  const [row] = ctx.actor.restrictToAssigned
    ? await readContact.assigned(db, { ...key, employeeId: ctx.actor.id })
    : await readContact.anyone(db, key);
  return row && toContact(row);
}

/** The whole contact (see selectContacts), whoever may see it. */
export async function loadContact(db: Executor, id: string): Promise<Contact | undefined> {
  const row = await selectContacts(db).where('contacts.id', '=', id).executeTakeFirst();
  return row && toContact(row);
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

/**
 * A new contact and its links (primary account, roles, group roles, customer groups) in one statement,
 * with the caller's other writes of the same change (`also`: its audit rows, events, emails): each insert
 * is a data-modifying CTE, so the id is chosen by the caller.
 */
export async function insertNewContact(
  db: Executor,
  row: Insertable<ContactsTable> & { id: string },
  links: { accountId: string; roleIds: string[]; groupRoleIds: string[]; customerGroupIds: string[] },
  also: ChainedWrite[] = [],
): Promise<void> {
  const contactId = row.id;
  const parts = [
    db
      .insertInto('contact_accounts')
      .values({ contact_id: contactId, account_id: links.accountId, is_primary: true }),
    links.roleIds.length &&
      db
        .insertInto('contact_roles')
        .values(links.roleIds.map((role_id) => ({ contact_id: contactId, role_id }))),
    links.groupRoleIds.length &&
      db
        .insertInto('contact_group_roles')
        .values(links.groupRoleIds.map((group_role_id) => ({ contact_id: contactId, group_role_id }))),
    links.customerGroupIds.length &&
      db
        .insertInto('contact_customer_groups')
        .values(
          links.customerGroupIds.map((customer_group_id) => ({ contact_id: contactId, customer_group_id })),
        ),
  ].filter((p) => p !== 0);
  // The links' foreign keys (and the email's) are checked at the end of the statement, when the contact's row exists.
  const chain = writeChain([
    { name: 'new_contact', query: db.insertInto('contacts').values(row) },
    ...parts.map((query, i) => ({ name: `new_link_${i}`, query })),
    ...also,
  ]);
  await db.executeQuery(prepared(chain.compile(db)));
}
