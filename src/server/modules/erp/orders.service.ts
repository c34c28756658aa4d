import { sql } from 'kysely';
import type { ErpOrderBody, ErpOrderResult, Order } from '../../../contracts/erp.ts';
import { inTransaction, type Db, type Executor } from '../../db/client.ts';
import type { OrdersTable } from '../../db/schema.ts';
import type { Selectable } from 'kysely';
import { assertCan, type RequestContext } from '../../http/context.ts';
import { conflict, notFound, unprocessable } from '../../lib/errors.ts';
import { accountVisibleTo } from '../accounts/accounts.repository.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { recordEvent } from '../events/index.ts';
import { pushOnPolicy } from './erp-sync.ts';

const cents = (n: number | string) => Math.round(Number(n) * 100);

function toOrder(row: Selectable<OrdersTable>): Order {
  return {
    id: row.id,
    number: row.number,
    accountId: row.account_id,
    placedAt: row.placed_at.toISOString(),
    total: cents(row.total) / 100,
    currency: row.currency,
    createdAt: row.created_at.toISOString(),
  };
}

/**
 * An order event from the ERP or the web shop, idempotent by number: the same order again is `unchanged`,
 * a changed date or total `updated`. An account's first order records `order.first` and, under the
 * first-order policy, pushes the account to the ERP (once: see requestErpPush).
 */
export async function recordOrder(db: Db, ctx: RequestContext, body: ErpOrderBody): Promise<ErpOrderResult> {
  assertCan(ctx, 'erp');
  return inTransaction(db, async (tx) => {
    let q = tx
      .selectFrom('accounts')
      .select(['id', 'number', 'erp_number'])
      .where('scope_id', '=', ctx.scopeId);
    q = body.erpNumber
      ? q.where(sql<boolean>`lower(erp_number) = lower(${body.erpNumber})`)
      : q.where(sql<boolean>`lower(number) = lower(${body.accountNumber ?? ''})`);
    const account = await q.executeTakeFirst();
    if (!account) {
      const path = body.erpNumber ? 'erpNumber' : 'accountNumber';
      throw unprocessable('The account of this order does not exist', [
        { path, message: `No account ${body.erpNumber ?? body.accountNumber}` },
      ]);
    }
    const wanted = {
      placedAt: new Date(body.placedAt).toISOString(),
      total: cents(body.total) / 100,
      currency: body.currency,
    };
    const { rows } = await sql<Selectable<OrdersTable>>`
      insert into orders (scope_id, number, account_id, placed_at, total, currency)
      values (${ctx.scopeId}, ${body.number}, ${account.id}, ${wanted.placedAt}, ${wanted.total}, ${wanted.currency})
      on conflict (scope_id, lower(number)) do nothing
      returning *`.execute(tx);
    const inserted = rows[0];
    if (inserted) {
      await recordAudit(tx, ctx, {
        action: 'order.created',
        entityType: 'account',
        entityId: account.id,
        after: { number: inserted.number, ...wanted },
      });
      const first = await tx
        .updateTable('accounts')
        .set({ first_order_at: inserted.placed_at })
        .where('id', '=', account.id)
        .where('first_order_at', 'is', null)
        .returning('id')
        .executeTakeFirst();
      if (first) {
        await recordEvent(tx, {
          scopeId: ctx.scopeId,
          type: 'order.first',
          accountId: account.id,
          data: {
            order: { number: inserted.number, ...wanted },
            account: { id: account.id, number: account.number, erpNumber: account.erp_number },
          },
        });
        await pushOnPolicy(tx, ctx, account.id, 'first-order');
      }
      return { status: 'created', order: toOrder(inserted) };
    }
    const stored = await tx
      .selectFrom('orders')
      .selectAll()
      .where('scope_id', '=', ctx.scopeId)
      .where(sql<boolean>`lower(number) = lower(${body.number})`)
      .forUpdate()
      .executeTakeFirstOrThrow();
    if (stored.account_id !== account.id)
      throw conflict('This order number is recorded on another account', [
        { path: 'number', message: 'Recorded on another account' },
      ]);
    const before = toOrder(stored);
    const changed = (['placedAt', 'total', 'currency'] as const).filter((k) => before[k] !== wanted[k]);
    if (!changed.length) return { status: 'unchanged', order: before };
    const updated = await tx
      .updateTable('orders')
      .set({ placed_at: wanted.placedAt, total: wanted.total, currency: wanted.currency })
      .where('id', '=', stored.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(tx, ctx, {
      action: 'order.updated',
      entityType: 'account',
      entityId: account.id,
      before: { number: stored.number, ...Object.fromEntries(changed.map((k) => [k, before[k]])) },
      after: { number: stored.number, ...Object.fromEntries(changed.map((k) => [k, wanted[k]])) },
    });
    return { status: 'updated', order: toOrder(updated) };
  });
}

/** The last orders of an account, newest first; an account the actor may not see is not found. */
export async function listAccountOrders(
  db: Executor,
  ctx: RequestContext,
  accountId: string,
  limit: number,
): Promise<{ items: Order[] }> {
  assertCan(ctx, 'accounts.read');
  const rows = await db
    .selectFrom('orders')
    .innerJoin('accounts', 'accounts.id', 'orders.account_id')
    .selectAll('orders')
    .where('orders.account_id', '=', accountId)
    .where('accounts.scope_id', '=', ctx.scopeId)
    .where(accountVisibleTo(ctx))
    .orderBy('orders.placed_at', 'desc')
    .orderBy('orders.id')
    .limit(limit)
    .execute();
  if (!rows.length) {
    const account = await db
      .selectFrom('accounts')
      .select('id')
      .where('id', '=', accountId)
      .where('scope_id', '=', ctx.scopeId)
      .where(accountVisibleTo(ctx))
      .executeTakeFirst();
    if (!account) throw notFound('The account');
  }
  return { items: rows.map(toOrder) };
}
