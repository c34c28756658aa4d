import { sql, type Expression, type SqlBool } from 'kysely';
import type {
  Account,
  AccountCreateBody,
  AccountListQuery,
  AccountUpdateBody,
} from '../../../contracts/accounts.ts';
import { inTransaction, type Db, type Executor } from '../../db/client.ts';
import { assertCan, type RequestContext } from '../../http/context.ts';
import { decodeCursor, toPage } from '../../lib/cursor.ts';
import { searchTerm } from '../../lib/search-page.ts';
import { conflict, notFound, uniqueViolation, unprocessable } from '../../lib/errors.ts';
import { addAddress } from '../addresses/addresses.service.ts';
import { pushOnPolicy } from '../erp/index.ts';
import { attributeFilters } from '../../../contracts/attributes.ts';
import { attributeFilterConditions, mergedCustom } from '../attributes/validate.ts';
import { diff, recordAudit } from '../audit/audit.service.ts';
import { checkedRecordValues } from '../settings/required-fields.ts';
import { recordEvent } from '../events/index.ts';
import { assertCustomerGroupKnown, inCustomerGroup } from '../customer-groups/group-filter.ts';
import {
  assertCommercialCodes,
  customerGroupIds,
  setAccountCustomerGroups,
} from '../commercial-terms/commercial-terms.repository.ts';
import {
  accountNumberPrefix,
  accountVisibleTo,
  auditedAccount,
  nextGeneratedNumber,
  searchAccountIds,
  selectAccounts,
  toAccount,
} from './accounts.repository.ts';

function accountConflict(err: unknown): never {
  const index = uniqueViolation(err);
  if (index === 'accounts_scope_number_key')
    throw conflict('Another account already has this account number', [
      { path: 'number', message: 'Already used by another account' },
    ]);
  if (index === 'accounts_scope_code_key')
    throw conflict('Another account already has this code', [
      { path: 'code', message: 'Already used by another account' },
    ]);
  throw err;
}

export async function createAccount(db: Db, ctx: RequestContext, body: AccountCreateBody): Promise<Account> {
  assertCan(ctx, 'accounts.write');
  // Mandatory fields and attributes in one 422, so one answer names everything left empty.
  const attributes = await checkedRecordValues(db, ctx.scopeId, 'account', body, { creating: true });
  await assertCommercialCodes(db, ctx.scopeId, body);
  const groupIds = body.customerGroups ? await customerGroupIds(db, ctx.scopeId, body.customerGroups) : [];
  const prefix = await accountNumberPrefix(db, ctx.scopeId);
  // A generated number can collide with one an ERP assigned earlier; draw again a few times.
  for (let attempt = 0; ; attempt++) {
    try {
      return await inTransaction(db, async (tx) => {
        const number = body.number ?? (await nextGeneratedNumber(tx, prefix));
        const { id } = await tx
          .insertInto('accounts')
          .values({
            scope_id: ctx.scopeId,
            kind: body.kind,
            name: body.name,
            // An empty code is no code: the unique index would otherwise let only one account leave it blank.
            code: body.code || null,
            number,
            status: body.status ?? 'active',
            payment_terms: body.paymentTerms ?? null,
            price_group: body.priceGroup ?? null,
            sales_rep_code: body.salesRepCode ?? null,
            erp_synced_at: null,
            custom: JSON.stringify(attributes.set),
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        if (groupIds.length) await setAccountCustomerGroups(tx, id, groupIds);
        // A crmCompany* employee reaches only assigned accounts, so the one they create is assigned to them.
        if (ctx.actor.restrictToAssigned && ctx.actor.type === 'employee' && ctx.actor.id)
          await tx
            .insertInto('employee_accounts')
            .values({ employee_id: ctx.actor.id, account_id: id })
            .execute();
        const account = await getAccountUnchecked(tx, id);
        await recordAudit(tx, ctx, {
          action: 'account.created',
          entityType: 'account',
          entityId: id,
          after: auditedAccount(account),
        });
        if (body.billingAddress)
          await addAddress(
            tx,
            ctx,
            { kind: 'account', id },
            { ...body.billingAddress, type: 'billing', isDefault: true },
            'billingAddress.',
          );
        await recordEvent(tx, {
          scopeId: ctx.scopeId,
          type: 'account.created',
          accountId: id,
          data: account,
        });
        return account;
      });
    } catch (err) {
      const generatedCollision = !body.number && uniqueViolation(err) === 'accounts_scope_number_key';
      // Inside a caller's transaction the failed statement aborted it: no second draw there.
      if (generatedCollision && attempt < 5 && !db.isTransaction) continue;
      accountConflict(err);
    }
  }
}

async function getAccountUnchecked(db: Executor, id: string): Promise<Account> {
  const row = await selectAccounts(db).where('accounts.id', '=', id).executeTakeFirst();
  if (!row) throw notFound('The account');
  return toAccount(row);
}

/** Reads an account the actor may see; one it may not see is reported as not found. */
export async function getAccount(db: Executor, ctx: RequestContext, id: string): Promise<Account> {
  assertCan(ctx, 'accounts.read');
  const row = await selectAccounts(db)
    .where('accounts.id', '=', id)
    .where('accounts.scope_id', '=', ctx.scopeId)
    .where(accountVisibleTo(ctx))
    .executeTakeFirst();
  if (!row) throw notFound('The account');
  return toAccount(row);
}

export async function listAccounts(
  db: Db,
  ctx: RequestContext,
  query: AccountListQuery,
): Promise<{ items: Account[]; nextCursor: string | null }> {
  assertCan(ctx, 'accounts.read');
  const filters: Expression<SqlBool>[] = [
    sql<SqlBool>`accounts.scope_id = ${ctx.scopeId}`,
    accountVisibleTo(ctx),
  ];
  if (query.kind) filters.push(sql<SqlBool>`accounts.kind = ${query.kind}`);
  if (query.status) filters.push(sql<SqlBool>`accounts.status = ${query.status}`);
  if (query.customerGroup) filters.push(inCustomerGroup('account', ctx.scopeId, query.customerGroup));
  if (query.erpNumber) filters.push(sql<SqlBool>`lower(accounts.erp_number) = lower(${query.erpNumber})`);
  if (query.erpSync) filters.push(sql<SqlBool>`accounts.erp_sync_state = ${query.erpSync}`);
  filters.push(
    ...(await attributeFilterConditions(db, ctx.scopeId, 'account', attributeFilters(query), 'accounts')),
  );
  let matches: { id: string; name_key?: string }[];
  let cursorOf: (r: { id: string; name_key?: string }) => Record<string, string>;
  if (query.q) {
    // Id order, so a page never sorts every match by name; searchPageQuery keeps the plan on the index.
    const after = decodeCursor(query.cursor, { id: 'uuid' })?.id;
    const term = searchTerm(query.q);
    matches =
      term.kind === 'nothing'
        ? []
        : (await searchAccountIds(ctx.scopeId, term, filters, after, query.limit + 1).execute(db)).rows;
    cursorOf = (r) => ({ id: r.id });
  } else {
    // The page of ids first, on `accounts` alone; counts and assignees only for the rows shown.
    const cursor = decodeCursor(query.cursor, { name: 'text', id: 'uuid' });
    if (cursor)
      filters.push(sql<SqlBool>`(lower(accounts.name), accounts.id) > (${cursor.name}, ${cursor.id}::uuid)`);
    matches = await db
      .selectFrom('accounts')
      .select(['accounts.id', sql<string>`lower(accounts.name)`.as('name_key')])
      .where(sql<SqlBool>`${sql.join(filters, sql` and `)}`)
      .orderBy(sql`lower(accounts.name)`)
      .orderBy('accounts.id')
      .limit(query.limit + 1)
      .execute();
    cursorOf = (r) => ({ name: r.name_key!, id: r.id });
  }
  if (!matches.length && query.customerGroup)
    await assertCustomerGroupKnown(db, ctx.scopeId, query.customerGroup);
  const page = toPage(matches, query.limit, cursorOf, (r) => r.id);
  const rows = page.items.length
    ? await selectAccounts(db).where('accounts.id', 'in', page.items).execute()
    : [];
  const byId = new Map(rows.map((r) => [r.id, toAccount(r)]));
  return { items: page.items.map((id) => byId.get(id)!), nextCursor: page.nextCursor };
}

export async function updateAccount(
  db: Db,
  ctx: RequestContext,
  id: string,
  body: AccountUpdateBody,
): Promise<Account> {
  assertCan(ctx, 'accounts.write');
  try {
    return await inTransaction(db, async (tx) => {
      const before = await getAccount(tx, ctx, id);
      if (body.status !== undefined) assertStatusChange(before.status, body.status);
      const attributes = await checkedRecordValues(tx, ctx.scopeId, 'account', body, { creating: false });
      await assertCommercialCodes(tx, ctx.scopeId, body, before);
      if (body.customerGroups !== undefined)
        await setAccountCustomerGroups(tx, id, await customerGroupIds(tx, ctx.scopeId, body.customerGroups));
      await tx
        .updateTable('accounts')
        .set({
          ...(body.kind !== undefined && { kind: body.kind }),
          ...(body.name !== undefined && { name: body.name }),
          ...(body.code !== undefined && { code: body.code || null }),
          ...(body.number !== undefined && { number: body.number }),
          ...(body.status !== undefined && { status: body.status }),
          ...(body.paymentTerms !== undefined && { payment_terms: body.paymentTerms }),
          ...(body.priceGroup !== undefined && { price_group: body.priceGroup }),
          ...(body.salesRepCode !== undefined && { sales_rep_code: body.salesRepCode }),
          ...(body.attributes !== undefined && { custom: mergedCustom(attributes) }),
          updated_at: new Date(),
        })
        .where('id', '=', id)
        .execute();
      // Enabling a disabled account is, under the on-enable policy, the moment it goes to the ERP.
      if (before.status !== 'active' && body.status === 'active') await pushOnPolicy(tx, ctx, id, 'enabled');
      const after = await getAccountUnchecked(tx, id);
      const changes = diff(
        { ...auditedAccount(before), attributes: before.attributes },
        { ...auditedAccount(after), attributes: after.attributes },
      );
      if (changes) {
        await recordAudit(tx, ctx, {
          action: 'account.updated',
          entityType: 'account',
          entityId: id,
          ...changes,
        });
        await recordEvent(tx, {
          scopeId: ctx.scopeId,
          type: 'account.updated',
          accountId: id,
          data: { ...after, changed: Object.keys(changes.after) },
        });
      }
      return after;
    });
  } catch (err) {
    accountConflict(err);
  }
}

/** Pending is decided in the approval queue only: there the decision is audited and the customer told. */
function assertStatusChange(from: Account['status'], to: Account['status']) {
  if (from === to) return;
  if (from === 'pending')
    throw unprocessable('This account is waiting for approval: approve or reject it in the approval queue', [
      { path: 'status', message: 'Approve or reject the account in the approval queue' },
    ]);
  if (to === 'pending')
    throw unprocessable('An account cannot be put back to pending', [
      { path: 'status', message: 'Choose active or disabled' },
    ]);
}

export async function setAccountAssignees(
  db: Db,
  ctx: RequestContext,
  id: string,
  employeeIds: string[],
): Promise<Account> {
  assertCan(ctx, 'employees.write');
  const unique = [...new Set(employeeIds)];
  return db.transaction().execute(async (tx) => {
    const before = await getAccount(tx, ctx, id);
    if (unique.length) {
      const found = await tx.selectFrom('employees').select('id').where('id', 'in', unique).execute();
      const missing = unique.filter((e) => !found.some((f) => f.id === e));
      if (missing.length)
        throw unprocessable('Some employees do not exist', [
          { path: 'employeeIds', message: `Unknown employee: ${missing.join(', ')}` },
        ]);
    }
    await tx.deleteFrom('employee_accounts').where('account_id', '=', id).execute();
    if (unique.length)
      await tx
        .insertInto('employee_accounts')
        .values(unique.map((employee_id) => ({ employee_id, account_id: id })))
        .execute();
    const after = await getAccountUnchecked(tx, id);
    await recordAudit(tx, ctx, {
      action: 'account.assignees_changed',
      entityType: 'account',
      entityId: id,
      before: { assignedEmployeeIds: before.assignedEmployeeIds },
      after: { assignedEmployeeIds: after.assignedEmployeeIds },
    });
    return after;
  });
}
