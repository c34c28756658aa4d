import type { Invoice, InvoiceBody } from '../../../contracts/registration.ts';
import type { ErpInvoiceBody, ErpInvoiceResult } from '../../../contracts/erp.ts';
import type { InvoiceListQuery } from '../../../contracts/invoices.ts';
import type { Db, Executor } from '../../db/client.ts';
import { assertCan, type RequestContext } from '../../http/context.ts';
import { decodeCursor, encodeCursor } from '../../lib/cursor.ts';
import { AppError, conflict, unprocessable, type FieldError } from '../../lib/errors.ts';
import { accountVisibleTo } from '../accounts/accounts.repository.ts';
import { getAccount } from '../accounts/accounts.service.ts';
import { recordAudit } from '../audit/audit.service.ts';
import {
  findAccountForInvoice,
  findInvoiceByNumber,
  insertInvoice,
  listAccountInvoices,
  updateInvoice,
} from './invoices.repository.ts';

export const cents = (amount: number) => Math.round(amount * 100);

/** Where a stored invoice differs from a request for the same number. */
export function differences(
  stored: Invoice,
  wanted: Omit<Invoice, 'id' | 'createdAt' | 'number'>,
): FieldError[] {
  const out: FieldError[] = [];
  if (stored.accountId !== wanted.accountId)
    out.push({ path: 'accountId', message: 'The stored invoice belongs to another account' });
  if (stored.date !== wanted.date) out.push({ path: 'date', message: `Stored date: ${stored.date}` });
  if (cents(stored.amount) !== cents(wanted.amount))
    out.push({ path: 'amount', message: `Stored amount: ${stored.amount.toFixed(2)}` });
  if (stored.currency !== wanted.currency)
    out.push({ path: 'currency', message: `Stored currency: ${stored.currency}` });
  return out;
}

/**
 * Records an invoice; sending the same one again (same number, in any case, and same content) is not an error:
 * `created` is false and the stored invoice comes back. The same number with other content is a conflict.
 */
export async function createInvoice(
  db: Db,
  ctx: RequestContext,
  body: InvoiceBody,
): Promise<{ invoice: Invoice; created: boolean }> {
  assertCan(ctx, 'accounts.write');
  return db.transaction().execute(async (tx) => {
    const account = await findAccountForInvoice(
      tx,
      ctx.scopeId,
      body.accountId ? { id: body.accountId } : { number: body.accountNumber ?? '' },
      accountVisibleTo(ctx),
    );
    if (!account) {
      const path = body.accountId ? 'accountId' : 'accountNumber';
      throw unprocessable('The account of this invoice does not exist', [
        { path, message: `No account ${body.accountId ?? body.accountNumber}` },
      ]);
    }
    const wanted = {
      accountId: account.id,
      date: body.date,
      amount: cents(body.amount) / 100,
      currency: body.currency,
    };
    const inserted = await insertInvoice(tx, { scopeId: ctx.scopeId, number: body.number, ...wanted });
    if (inserted) {
      await recordAudit(tx, ctx, {
        action: 'invoice.created',
        entityType: 'invoice',
        entityId: inserted.id,
        after: { ...wanted, number: inserted.number, accountNumber: account.number },
      });
      return { invoice: inserted, created: true };
    }
    const stored = await findInvoiceByNumber(tx, ctx.scopeId, body.number);
    if (!stored) throw new AppError('internal', 'The invoice number was taken and is gone again');
    // On an account the caller may not see, the stored invoice stays unknown: only the number is taken.
    const storedVisible = await findAccountForInvoice(
      tx,
      ctx.scopeId,
      { id: stored.accountId },
      accountVisibleTo(ctx),
    );
    if (!storedVisible)
      throw conflict(`Invoice number ${body.number} is already taken; an invoice number is recorded once`, [
        { path: 'number', message: 'Already taken' },
      ]);
    const diffs = differences(stored, wanted);
    if (diffs.length)
      throw conflict(
        `Invoice ${stored.number} already exists with another ${diffs.map((d) => d.path.replace('accountId', 'account')).join(', ')}; an invoice number is recorded once`,
        diffs,
      );
    return { invoice: stored, created: false };
  });
}

/**
 * `PUT /api/erp/invoices/{number}`: records the invoice, or gives the stored one (same number in any case)
 * the account, date, amount and currency sent: the ERP's word is the last. The same request again writes
 * nothing and no audit entry (`unchanged`).
 */
export async function upsertInvoice(
  db: Db,
  ctx: RequestContext,
  number: string,
  body: ErpInvoiceBody,
): Promise<ErpInvoiceResult> {
  assertCan(ctx, 'accounts.write');
  return db.transaction().execute(async (tx) => {
    const by = body.erpNumber ? { erpNumber: body.erpNumber } : { number: body.accountNumber ?? '' };
    const account = await findAccountForInvoice(tx, ctx.scopeId, by, accountVisibleTo(ctx));
    if (!account) {
      const path = body.erpNumber ? 'erpNumber' : 'accountNumber';
      throw unprocessable('The account of this invoice does not exist', [
        { path, message: `No account ${body.erpNumber ?? body.accountNumber}` },
      ]);
    }
    const wanted = {
      accountId: account.id,
      date: body.date,
      amount: cents(body.amount) / 100,
      currency: body.currency,
    };
    const inserted = await insertInvoice(tx, { scopeId: ctx.scopeId, number, ...wanted });
    if (inserted) {
      await recordAudit(tx, ctx, {
        action: 'invoice.created',
        entityType: 'invoice',
        entityId: inserted.id,
        after: { ...wanted, number: inserted.number, accountNumber: account.number },
      });
      return { status: 'created', invoice: inserted };
    }
    const stored = await findInvoiceByNumber(tx, ctx.scopeId, number);
    if (!stored) throw new AppError('internal', 'The invoice number was taken and is gone again');
    const changed = differences(stored, wanted).map((d) => d.path as keyof typeof wanted);
    if (!changed.length) return { status: 'unchanged', invoice: stored };
    const invoice = await updateInvoice(tx, stored.id, wanted);
    await recordAudit(tx, ctx, {
      action: 'invoice.updated',
      entityType: 'invoice',
      entityId: stored.id,
      before: Object.fromEntries(changed.map((k) => [k, stored[k]])),
      after: {
        ...Object.fromEntries(changed.map((k) => [k, wanted[k]])),
        ...(changed.includes('accountId') && { accountNumber: account.number }),
      },
    });
    return { status: 'updated', invoice };
  });
}

export async function listInvoices(
  db: Executor,
  ctx: RequestContext,
  accountId: string,
  query: InvoiceListQuery,
): Promise<{ items: Invoice[]; nextCursor: string | null }> {
  // Throws not_found for an account the caller may not see.
  await getAccount(db, ctx, accountId);
  const cursor = decodeCursor(query.cursor, { date: 'text', id: 'uuid' });
  if (cursor && !/^\d{4}-\d{2}-\d{2}$/.test(cursor.date))
    throw new AppError('invalid_input', 'The cursor is not valid; start again from the first page', [
      { path: 'cursor', message: 'Not a cursor from this list' },
    ]);
  const rows = await listAccountInvoices(db, accountId, query.limit + 1, cursor);
  const items = rows.slice(0, query.limit);
  const last = items[items.length - 1];
  return {
    items,
    nextCursor: rows.length > query.limit && last ? encodeCursor({ date: last.date, id: last.id }) : null,
  };
}
