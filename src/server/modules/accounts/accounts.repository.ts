import { sql, type Expression, type SqlBool } from 'kysely';
import type { Account } from '../../../contracts/accounts.ts';
import type { Executor } from '../../db/client.ts';
import type { AccountRow } from '../../db/schema.ts';
import type { RequestContext } from '../../http/context.ts';
import { attributesOf } from '../attributes/validate.ts';
import { searchPageQuery, termMatches, type SearchTerm } from '../../lib/search-page.ts';

/** Limits a query on `accounts` to what the actor may see (crmCompany* employees: their assigned accounts). */
export function accountVisibleTo(ctx: RequestContext, accountIdColumn = 'accounts.id'): Expression<SqlBool> {
  if (!ctx.actor.restrictToAssigned) return sql<SqlBool>`true`;
  return sql<SqlBool>`exists (select 1 from employee_accounts ea where ea.account_id = ${sql.ref(accountIdColumn)} and ea.employee_id = ${ctx.actor.id})`;
}

/** Ids of a page of accounts whose code, number, ERP number or name match a search, in id order. */
export function searchAccountIds(
  scopeId: string,
  term: Exclude<SearchTerm, { kind: 'nothing' }>,
  filters: Expression<SqlBool>[],
  after: string | undefined,
  limit: number,
) {
  const candidates = term.indexed
    ? sql`SELECT a.id FROM accounts a WHERE a.scope_id = ${scopeId} AND ${termMatches(term, 'a.search', true)}
        AND ${after === undefined ? sql`true` : sql`a.id > ${after}::uuid`}`
    : null;
  return searchPageQuery({
    table: 'accounts',
    filters,
    rowMatches: termMatches(term, 'accounts.search', false),
    candidates,
    after,
    limit,
  });
}

export type AccountRecord = AccountRow & {
  contact_count: number;
  assigned_employee_ids: string[];
  customer_groups: string[];
  attributes: Account['attributes'];
};

export function selectAccounts(db: Executor) {
  return db
    .selectFrom('accounts')
    .selectAll('accounts')
    .select([
      sql<number>`(select count(*)::int from contact_accounts ca where ca.account_id = accounts.id)`.as(
        'contact_count',
      ),
      sql<
        string[]
      >`array(select ea.employee_id from employee_accounts ea where ea.account_id = accounts.id order by ea.employee_id)`.as(
        'assigned_employee_ids',
      ),
      sql<
        string[]
      >`array(select g.key from account_customer_groups acg join customer_groups g on g.id = acg.customer_group_id where acg.account_id = accounts.id order by g.key)`.as(
        'customer_groups',
      ),
      attributesOf('account', 'accounts').as('attributes'),
    ]);
}

export function toAccount(row: AccountRecord): Account {
  return {
    id: row.id,
    kind: row.kind,
    name: row.name,
    code: row.code,
    number: row.number,
    erpNumber: row.erp_number,
    erpSync: {
      state: row.erp_sync_state,
      erpNumber: row.erp_number,
      syncedAt: row.erp_synced_at?.toISOString() ?? null,
      lastError: row.erp_last_error,
      attempts: row.erp_sync_attempts,
    },
    status: row.status,
    contactCount: row.contact_count,
    assignedEmployeeIds: row.assigned_employee_ids,
    customerGroups: row.customer_groups,
    paymentTerms: row.payment_terms,
    priceGroup: row.price_group,
    salesRepCode: row.sales_rep_code,
    attributes: row.attributes ?? {},
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

/** The fields an audit entry records for an account. */
export const auditedAccount = (a: Account) => ({
  kind: a.kind,
  name: a.name,
  code: a.code,
  number: a.number,
  ...(a.erpNumber !== null && { erpNumber: a.erpNumber }),
  status: a.status,
  paymentTerms: a.paymentTerms,
  priceGroup: a.priceGroup,
  salesRepCode: a.salesRepCode,
  customerGroups: a.customerGroups,
  ...(Object.keys(a.attributes).length > 0 && { attributes: a.attributes }),
});

export async function nextGeneratedNumber(db: Executor, prefix: string): Promise<string> {
  const { rows } = await sql<{ n: string }>`select nextval('account_number_seq')::text as n`.execute(db);
  return `${prefix}${rows[0]!.n}`;
}

/** `count` generated numbers at once, for creating many accounts in one statement. */
export async function nextGeneratedNumbers(db: Executor, prefix: string, count: number): Promise<string[]> {
  if (count <= 0) return [];
  const { rows } = await sql<{
    n: string;
  }>`select nextval('account_number_seq')::text as n from generate_series(1, ${count})`.execute(db);
  return rows.map((r) => `${prefix}${r.n}`);
}

export async function accountNumberPrefix(db: Executor, scopeId: string): Promise<string> {
  const row = await db
    .selectFrom('settings')
    .select('value')
    .where('scope_id', '=', scopeId)
    .where('key', '=', 'accountNumberPrefix')
    .executeTakeFirst();
  const value = row?.value as unknown;
  return typeof value === 'string' ? value : 'W';
}
