import { sql } from 'kysely';
import type { ErpBatchResult, ErpInvoiceBody } from '../../../contracts/erp.ts';
import type { Invoice } from '../../../contracts/registration.ts';
import { inTransaction, type Db } from '../../db/client.ts';
import type { RequestContext } from '../../http/context.ts';
import { accountVisibleTo } from '../accounts/accounts.repository.ts';
import { recordAudits, type AuditInput } from '../audit/audit.service.ts';
import { cents, differences } from '../invoices/invoices.service.ts';
import { withPermissions } from './erp-context.ts';
import { invalid } from './erp-batch-lines.ts';

export type InvoiceLine = { line: number; number: string; body: ErpInvoiceBody };

type Wanted = { accountId: string; date: string; amount: number; currency: string };

/** A new invoice the chunk's insert did not get (a single PUT won the race): the chunk goes line by line. */
class InvoiceRace extends Error {}

/**
 * The invoice lines of a chunk (each number once) in one transaction and five statements, whatever their
 * number: the accounts named, the invoices stored under the numbers, one insert of the new ones, one update
 * of the changed ones, their audit rows. Answers, refusals and audit entries are those of `upsertInvoice`
 * (the single PUT); a line the PUT would refuse is `invalid` and writes nothing. Throws when a statement
 * fails, for the caller to write the lines one by one.
 */
export function upsertErpInvoicesChunk(
  db: Db,
  erpCtx: RequestContext,
  lines: InvoiceLine[],
): Promise<ErpBatchResult[]> {
  const ctx = withPermissions(erpCtx, ['accounts.write']);
  return inTransaction(db, async (tx) => {
    const erpKeys = lines.flatMap((l) => (l.body.erpNumber ? [l.body.erpNumber.toLowerCase()] : []));
    const numberKeys = lines.flatMap((l) =>
      l.body.erpNumber ? [] : [(l.body.accountNumber ?? '').toLowerCase()],
    );
    const accounts = await tx
      .selectFrom('accounts')
      .select(['accounts.id', 'accounts.number', 'accounts.erp_number'])
      .where('accounts.scope_id', '=', ctx.scopeId)
      .where(accountVisibleTo(ctx))
      .where(
        sql<boolean>`(lower(accounts.erp_number) = any(${erpKeys}::text[]) or lower(accounts.number) = any(${numberKeys}::text[]))`,
      )
      .execute();
    const byErp = new Map(accounts.filter((a) => a.erp_number).map((a) => [a.erp_number!.toLowerCase(), a]));
    const byNumber = new Map(accounts.map((a) => [a.number.toLowerCase(), a]));
    const stored = await tx
      .selectFrom('invoices')
      .select([
        'id',
        'number',
        'account_id',
        'currency',
        'created_at',
        sql<string>`date::text`.as('date'),
        sql<number>`amount::float8`.as('amount'),
      ])
      .where('scope_id', '=', ctx.scopeId)
      .where(sql<boolean>`lower(number) = any(${lines.map((l) => l.number.toLowerCase())}::text[])`)
      .execute();
    const byInvoice = new Map<string, Invoice>(
      stored.map((r) => [
        r.number.toLowerCase(),
        {
          id: r.id,
          number: r.number,
          accountId: r.account_id,
          date: r.date,
          amount: r.amount,
          currency: r.currency,
          createdAt: r.created_at.toISOString(),
        },
      ]),
    );

    const results: ErpBatchResult[] = [];
    const creates: { line: InvoiceLine; wanted: Wanted; accountNumber: string }[] = [];
    const updates: { line: InvoiceLine; wanted: Wanted; before: Invoice; audit: AuditInput }[] = [];
    for (const l of lines) {
      const { body } = l;
      const account = body.erpNumber
        ? byErp.get(body.erpNumber.toLowerCase())
        : byNumber.get((body.accountNumber ?? '').toLowerCase());
      if (!account) {
        results.push(
          invalid(
            l.line,
            'The account of this invoice does not exist',
            body.erpNumber ? 'erpNumber' : 'accountNumber',
          ),
        );
        continue;
      }
      const wanted: Wanted = {
        accountId: account.id,
        date: body.date,
        amount: cents(body.amount) / 100,
        currency: body.currency,
      };
      const before = byInvoice.get(l.number.toLowerCase());
      if (!before) {
        creates.push({ line: l, wanted, accountNumber: account.number });
        continue;
      }
      const changed = differences(before, wanted).map((d) => d.path as keyof Wanted);
      if (!changed.length) {
        results.push({ line: l.line, status: 'unchanged', id: before.id });
        continue;
      }
      updates.push({
        line: l,
        wanted,
        before,
        audit: {
          action: 'invoice.updated',
          entityType: 'invoice',
          entityId: before.id,
          before: Object.fromEntries(changed.map((k) => [k, before[k]])),
          after: {
            ...Object.fromEntries(changed.map((k) => [k, wanted[k]])),
            ...(changed.includes('accountId') && { accountNumber: account.number }),
          },
        },
      });
    }

    const audits: AuditInput[] = [];
    if (creates.length) {
      const inserted = await tx
        .insertInto('invoices')
        .values(
          creates.map(({ line, wanted }) => ({
            scope_id: ctx.scopeId,
            account_id: wanted.accountId,
            number: line.number,
            date: wanted.date,
            amount: wanted.amount,
            currency: wanted.currency,
          })),
        )
        .onConflict((oc) => oc.expression(sql`scope_id, lower(number)`).doNothing())
        .returning(['id', 'number'])
        .execute();
      if (inserted.length !== creates.length) throw new InvoiceRace('an invoice number was taken meanwhile');
      const ids = new Map(inserted.map((r) => [r.number.toLowerCase(), r]));
      for (const { line, wanted, accountNumber } of creates) {
        const row = ids.get(line.number.toLowerCase())!;
        results.push({ line: line.line, status: 'created', id: row.id });
        audits.push({
          action: 'invoice.created',
          entityType: 'invoice',
          entityId: row.id,
          after: { ...wanted, number: row.number, accountNumber },
        });
      }
    }
    if (updates.length) {
      const rows = updates.map(({ before, wanted }) => ({
        id: before.id,
        account_id: wanted.accountId,
        date: wanted.date,
        amount: wanted.amount,
        currency: wanted.currency,
      }));
      await sql`
        UPDATE invoices SET account_id = v.account_id, date = v.date, amount = v.amount, currency = v.currency
        FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
          AS v(id uuid, account_id uuid, date date, amount numeric, currency text)
        WHERE invoices.id = v.id`.execute(tx);
      for (const u of updates) {
        results.push({ line: u.line.line, status: 'updated', id: u.before.id });
        audits.push(u.audit);
      }
    }
    await recordAudits(tx, ctx, audits);
    return results;
  });
}
