import { sql } from 'kysely';
import type { ErpAccountBody, ErpAccountResult } from '../../../contracts/erp.ts';
import { inTransaction, type Db, type Executor } from '../../db/client.ts';
import { assertCan, type RequestContext } from '../../http/context.ts';
import { AppError, conflict, uniqueViolation, unprocessable } from '../../lib/errors.ts';
import { auditedAccount, selectAccounts, toAccount } from '../accounts/accounts.repository.ts';
import { createAccount, getAccount, updateAccount } from '../accounts/accounts.service.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { withPermissions } from './erp-context.ts';

const asAccountWriter = (ctx: RequestContext) => withPermissions(ctx, ['accounts.read', 'accounts.write']);

type Found = { id: string; number: string; erp_number: string | null };

async function findAccount(db: Executor, scopeId: string, column: 'number' | 'erp_number', value: string) {
  return db
    .selectFrom('accounts')
    .select(['id', 'number', 'erp_number'])
    .where('scope_id', '=', scopeId)
    .where(sql<boolean>`lower(${sql.ref(column)}) = lower(${value})`)
    .executeTakeFirst();
}

/** Which account an ERP number names: its own, the web account it links, or one created under that number. */
async function targetOf(db: Executor, ctx: RequestContext, erpNumber: string, body: ErpAccountBody) {
  const own = await findAccount(db, ctx.scopeId, 'erp_number', erpNumber);
  if (body.webAccountNumber) {
    const web = await findAccount(db, ctx.scopeId, 'number', body.webAccountNumber);
    if (!web)
      throw unprocessable('No account has this web account number', [
        { path: 'webAccountNumber', message: `No account ${body.webAccountNumber}` },
      ]);
    if (own && own.id !== web.id)
      throw conflict(`ERP number ${erpNumber} belongs to another account (${own.number})`, [
        { path: 'webAccountNumber', message: `ERP number ${erpNumber} is linked to ${own.number}` },
      ]);
    if (web.erp_number && web.erp_number.toLowerCase() !== erpNumber.toLowerCase())
      throw conflict(`Account ${web.number} is linked to ERP number ${web.erp_number}`, [
        { path: 'webAccountNumber', message: `Linked to ERP number ${web.erp_number}` },
      ]);
    return web;
  }
  if (own) return own;
  // An account already carrying the ERP's number as its own (created here earlier, not linked yet).
  const byNumber = await findAccount(db, ctx.scopeId, 'number', erpNumber);
  return byNumber && !byNumber.erp_number ? byNumber : undefined;
}

/** Sets the ERP number and marks the account synced; true when something changed (then audited). */
async function link(db: Executor, ctx: RequestContext, account: Found, erpNumber: string): Promise<boolean> {
  try {
    return await inTransaction(db, async (tx) => {
      const changed = await tx
        .updateTable('accounts')
        .set({
          // The ERP's spelling of a number we already hold in another case stays as it was first written.
          erp_number: sql<string>`case when lower(erp_number) = lower(${erpNumber}) then erp_number else ${erpNumber} end`,
          erp_sync_state: 'synced',
          erp_synced_at: new Date(),
          erp_last_error: null,
        })
        .where('id', '=', account.id)
        .where((eb) =>
          eb.or([
            eb('erp_number', 'is', null),
            eb(sql<string>`lower(erp_number)`, '!=', erpNumber.toLowerCase()),
            eb('erp_sync_state', '!=', 'synced'),
          ]),
        )
        .returning('id')
        .executeTakeFirst();
      if (!changed) return false;
      await recordAudit(tx, ctx, {
        action: 'account.erp_linked',
        entityType: 'account',
        entityId: account.id,
        before: { erpNumber: account.erp_number },
        after: { erpNumber, erpSync: 'synced' },
      });
      return true;
    });
  } catch (err) {
    if (uniqueViolation(err) === 'accounts_scope_erp_number_key')
      throw conflict(`ERP number ${erpNumber} belongs to another account`, [
        { path: 'erpNumber', message: 'Already linked to another account' },
      ]);
    throw err;
  }
}

/**
 * `PUT /api/erp/accounts/{erpNumber}`: creates the account under the ERP's number, or updates the one linked
 * to it (or the web account `webAccountNumber` names, which becomes linked and synced). Only the fields sent
 * change; the same request again changes nothing and writes no audit entry (`unchanged`).
 */
export async function upsertErpAccount(
  db: Db,
  ctx: RequestContext,
  erpNumber: string,
  body: ErpAccountBody,
): Promise<ErpAccountResult> {
  assertCan(ctx, 'erp');
  try {
    return await inTransaction(db, (tx) => upsertIn(tx, ctx, erpNumber, body));
  } catch (err) {
    // Created by a request at the same time: run again, this one updates it (a caller's transaction is lost).
    if (db.isTransaction || !(err instanceof AppError) || err.code !== 'conflict') throw err;
    return inTransaction(db, (tx) => upsertIn(tx, ctx, erpNumber, body));
  }
}

/** The whole upsert in one transaction: a refusal half-way (a bad payment term) leaves nothing written. */
async function upsertIn(
  db: Executor,
  ctx: RequestContext,
  erpNumber: string,
  body: ErpAccountBody,
): Promise<ErpAccountResult> {
  const writer = asAccountWriter(ctx);
  const target = await targetOf(db, ctx, erpNumber, body);
  if (!target) {
    const created = await createAccount(db, writer, {
      kind: body.kind ?? 'business',
      name: body.name,
      code: body.code,
      number: erpNumber,
      status: 'active',
      billingAddress: body.billingAddress,
      paymentTerms: body.paymentTerms,
      priceGroup: body.priceGroup,
      salesRepCode: body.salesRepCode,
      customerGroups: body.customerGroups,
      attributes: body.attributes,
    });
    await link(db, writer, { id: created.id, number: created.number, erp_number: null }, erpNumber);
    return { status: 'created', account: await getAccount(db, writer, created.id) };
  }
  const linked = await link(db, writer, target, erpNumber);
  const before = await getAccount(db, writer, target.id);
  const after = await updateAccount(db, writer, target.id, {
    ...(body.kind !== undefined && { kind: body.kind }),
    name: body.name,
    ...(body.code !== undefined && { code: body.code }),
    ...(body.paymentTerms !== undefined && { paymentTerms: body.paymentTerms }),
    ...(body.priceGroup !== undefined && { priceGroup: body.priceGroup }),
    ...(body.salesRepCode !== undefined && { salesRepCode: body.salesRepCode }),
    ...(body.customerGroups !== undefined && { customerGroups: body.customerGroups }),
    ...(body.attributes !== undefined && { attributes: body.attributes }),
  });
  const changed =
    JSON.stringify({ ...auditedAccount(before), a: before.attributes }) !==
    JSON.stringify({ ...auditedAccount(after), a: after.attributes });
  return {
    status: linked || changed ? 'updated' : 'unchanged',
    account: toAccount(
      await selectAccounts(db).where('accounts.id', '=', target.id).executeTakeFirstOrThrow(),
    ),
  };
}
