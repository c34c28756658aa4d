import { sql, type Expression, type SqlBool } from 'kysely';
import type { Invoice } from '../../../contracts/registration.ts';
import type { Executor } from '../../db/client.ts';

function selectInvoices(db: Executor) {
  return db.selectFrom('invoices').select([
    'invoices.id',
    'invoices.number',
    'invoices.account_id',
    'invoices.currency',
    'invoices.created_at',
    // As text: a `date` read as a JavaScript Date would shift with the server's time zone.
    sql<string>`invoices.date::text`.as('date'),
    sql<number>`invoices.amount::float8`.as('amount'),
  ]);
}
type InvoiceRecord = Awaited<ReturnType<ReturnType<typeof selectInvoices>['executeTakeFirstOrThrow']>>;

const toInvoice = (r: InvoiceRecord): Invoice => ({
  id: r.id,
  number: r.number,
  accountId: r.account_id,
  date: r.date,
  amount: r.amount,
  currency: r.currency,
  createdAt: r.created_at.toISOString(),
});

export type NewInvoice = {
  scopeId: string;
  accountId: string;
  number: string;
  date: string;
  amount: number;
  currency: string;
};

/** Inserts the invoice unless its number is taken (in any case) in the scope; undefined then. */
export async function insertInvoice(db: Executor, invoice: NewInvoice): Promise<Invoice | undefined> {
  const row = await db
    .insertInto('invoices')
    .values({
      scope_id: invoice.scopeId,
      account_id: invoice.accountId,
      number: invoice.number,
      date: invoice.date,
      amount: invoice.amount,
      currency: invoice.currency,
    })
    .onConflict((oc) => oc.expression(sql`scope_id, lower(number)`).doNothing())
    .returning('id')
    .executeTakeFirst();
  return (
    row && toInvoice(await selectInvoices(db).where('invoices.id', '=', row.id).executeTakeFirstOrThrow())
  );
}

export async function findInvoiceByNumber(
  db: Executor,
  scopeId: string,
  number: string,
): Promise<Invoice | undefined> {
  const row = await selectInvoices(db)
    .where('invoices.scope_id', '=', scopeId)
    .where(sql`lower(invoices.number)`, '=', number.toLowerCase())
    .executeTakeFirst();
  return row && toInvoice(row);
}

/** An account's invoices, newest first, after the (date, id) of a cursor. */
export async function listAccountInvoices(
  db: Executor,
  accountId: string,
  limit: number,
  after?: { date: string; id: string },
) {
  let q = selectInvoices(db)
    .where('invoices.account_id', '=', accountId)
    .orderBy('invoices.date', 'desc')
    .orderBy('invoices.id', 'desc')
    .limit(limit);
  if (after)
    q = q.where(sql<boolean>`(invoices.date, invoices.id) < (${after.date}::date, ${after.id}::uuid)`);
  return (await q.execute()).map(toInvoice);
}

/** Gives a stored invoice other content (the ERP's PUT); the number stays as first written. */
export async function updateInvoice(
  db: Executor,
  id: string,
  set: { accountId: string; date: string; amount: number; currency: string },
): Promise<Invoice> {
  await db
    .updateTable('invoices')
    .set({ account_id: set.accountId, date: set.date, amount: set.amount, currency: set.currency })
    .where('id', '=', id)
    .execute();
  return toInvoice(await selectInvoices(db).where('invoices.id', '=', id).executeTakeFirstOrThrow());
}

/** The account an invoice is for, by id, number or ERP number, among those the caller may see. */
export async function findAccountForInvoice(
  db: Executor,
  scopeId: string,
  by: { id: string } | { number: string } | { erpNumber: string },
  visible: Expression<SqlBool>,
): Promise<{ id: string; number: string } | undefined> {
  let q = db
    .selectFrom('accounts')
    .select(['accounts.id', 'accounts.number'])
    .where('accounts.scope_id', '=', scopeId)
    .where(visible);
  if ('id' in by) q = q.where('accounts.id', '=', by.id);
  else if ('number' in by) q = q.where(sql`lower(accounts.number)`, '=', by.number.toLowerCase());
  else q = q.where(sql`lower(accounts.erp_number)`, '=', by.erpNumber.toLowerCase());
  return q.executeTakeFirst();
}
