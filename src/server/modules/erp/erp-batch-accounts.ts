import { randomUUID } from 'node:crypto';
import { sql, type Selectable } from 'kysely';
import type { Account } from '../../../contracts/accounts.ts';
import type { ErpAccountBody, ErpBatchResult } from '../../../contracts/erp.ts';
import type { AccountRequirableField } from '../../../contracts/required-fields.ts';
import type { Db, Executor } from '../../db/client.ts';
import type { AccountsTable, AddressesTable } from '../../db/schema.ts';
import type { RequestContext } from '../../http/context.ts';
import type { FieldError } from '../../lib/errors.ts';
import {
  auditedAccount,
  selectAccounts,
  toAccount,
  type AccountRecord,
} from '../accounts/accounts.repository.ts';
import { checkAddress } from '../addresses/address-check.ts';
import { auditedAddress, toAddress } from '../addresses/addresses.repository.ts';
import { diff, recordAudits, type AuditInput } from '../audit/audit.service.ts';
import {
  commercialCodeProblems,
  wantedCodes,
  type WantedCode,
} from '../commercial-terms/commercial-terms.repository.ts';
import { recordEvents, type NewEvent } from '../events/index.ts';
import { missingRequiredFields } from '../settings/required-fields.ts';
import { invalid } from './erp-batch-lines.ts';

export type AccountLine = { line: number; erpNumber: string; body: ErpAccountBody };

/**
 * Lines the set-based path writes; the rest (linking a web account, customer groups, custom attributes)
 * go through the single call's service, which has the checks those need.
 */
export const isSetBased = (l: AccountLine): boolean =>
  !l.body.webAccountNumber && l.body.customerGroups === undefined && l.body.attributes === undefined;

type Fields = Pick<
  AccountsTable,
  'kind' | 'name' | 'code' | 'payment_terms' | 'price_group' | 'sales_rep_code'
>;

type Plan =
  | { line: number; op: 'create'; id: string; erpNumber: string; fields: Fields; address?: AddressRow }
  | { line: number; op: 'update'; before: AccountRecord; erpNumber: string; fields: Fields; link: boolean }
  | { line: number; op: 'unchanged'; id: string };

type AddressRow = Omit<Selectable<AddressesTable>, 'id' | 'created_at' | 'updated_at' | 'contact_id'>;

/** The stored fields after the line: what it sends, the stored value where it sends nothing. */
function fieldsOf(body: ErpAccountBody, stored?: AccountRecord): Fields {
  const or = <T>(sent: T | undefined, kept: T) => (sent === undefined ? kept : sent);
  return {
    kind: or(body.kind, stored?.kind ?? 'business'),
    name: body.name,
    code: or(body.code, stored?.code ?? null),
    payment_terms: or(body.paymentTerms, stored?.payment_terms ?? null),
    price_group: or(body.priceGroup, stored?.price_group ?? null),
    sales_rep_code: or(body.salesRepCode, stored?.sales_rep_code ?? null),
  };
}

const commercialOf = (f: Partial<Fields>) => ({
  paymentTerms: f.payment_terms,
  priceGroup: f.price_group,
  salesRepCode: f.sales_rep_code,
});

/** Each line's plan, or its problem: the single call's checks, with one read of accounts and one of codes. */
async function plan(
  tx: Executor,
  ctx: RequestContext,
  lines: AccountLine[],
  required: readonly AccountRequirableField[],
): Promise<(Plan | ErpBatchResult)[]> {
  const keys = lines.map((l) => l.erpNumber.toLowerCase());
  const rows = await selectAccounts(tx)
    .where('accounts.scope_id', '=', ctx.scopeId)
    .where(
      sql<boolean>`(lower(accounts.erp_number) = any(${keys}::text[]) or lower(accounts.number) = any(${keys}::text[]))`,
    )
    .execute();
  const byErp = new Map(rows.filter((r) => r.erp_number).map((r) => [r.erp_number!.toLowerCase(), r]));
  const byNumber = new Map(rows.map((r) => [r.number.toLowerCase(), r]));
  const drafts = lines.map((l, i) => {
    const numbered = byNumber.get(keys[i]!);
    const target = byErp.get(keys[i]!) ?? (numbered && !numbered.erp_number ? numbered : undefined);
    return { l, target, numbered, fields: fieldsOf(l.body, target) };
  });
  const wanted = drafts.map((d) => wantedCodes(commercialOf(d.fields), commercialOf(d.target ?? {})));
  const codes = [...new Set(wanted.flat().map((w) => w.code))];
  const found = codes.length
    ? await tx
        .selectFrom('commercial_codes')
        .select(['list', 'code', 'active'])
        .where('scope_id', '=', ctx.scopeId)
        .where('code', 'in', codes)
        .execute()
    : [];
  return drafts.map(({ l, target, numbered, fields }, i): Plan | ErpBatchResult => {
    const fail = (problems: FieldError[]) => invalid(l.line, problems[0]!.message, problems[0]!.path);
    const codeProblems = commercialCodeProblems(wanted[i] as WantedCode[], found);
    if (!target) {
      // Created under the ERP's number: another account may hold that number already.
      if (numbered) return invalid(l.line, 'Another account already has this account number', 'erpNumber');
      const creating = { ...l.body, kind: fields.kind, code: fields.code ?? undefined };
      const missing = missingRequiredFields(required, creating, { creating: true });
      if (missing.length) return fail(missing);
      if (codeProblems.length) return fail(codeProblems);
      const id = randomUUID();
      const billing = l.body.billingAddress;
      if (!billing) return { line: l.line, op: 'create', id, erpNumber: l.erpNumber, fields };
      const checked = checkAddress(billing, 'billingAddress.');
      if (checked.errors.length) return fail(checked.errors);
      const address: AddressRow = {
        account_id: id,
        type: 'billing',
        is_default: true,
        name: billing.name ?? null,
        line1: billing.line1,
        line2: billing.line2 ?? null,
        city: billing.city,
        postal_code: billing.postalCode,
        region: billing.region ?? null,
        country: checked.country,
      };
      return { line: l.line, op: 'create', id, erpNumber: l.erpNumber, fields, address };
    }
    const emptied = missingRequiredFields(required, l.body, { creating: false });
    if (emptied.length) return fail(emptied);
    if (codeProblems.length) return fail(codeProblems);
    const link = !target.erp_number || target.erp_sync_state !== 'synced';
    const changed = (Object.keys(fields) as (keyof Fields)[]).some((k) => fields[k] !== target[k]);
    if (!link && !changed) return { line: l.line, op: 'unchanged', id: target.id };
    return { line: l.line, op: 'update', before: target, erpNumber: l.erpNumber, fields, link };
  });
}

const record = (row: Selectable<AccountsTable>, like?: AccountRecord): AccountRecord => ({
  ...row,
  contact_count: like?.contact_count ?? 0,
  assigned_employee_ids: like?.assigned_employee_ids ?? [],
  customer_groups: like?.customer_groups ?? [],
  attributes: like?.attributes ?? {},
});

/**
 * The account lines of one batch chunk, set-based in one transaction: one read of the accounts the ERP
 * numbers name, one of the codes given, then one statement each for new accounts, changed accounts,
 * billing addresses, audit rows and events. Each ERP number at most once per call (the caller sees to it).
 * A line the checks refuse is `invalid` and the others go on; a statement that fails (a code taken by
 * another account, a race with a single call) fails the whole call, for the caller to retry line by line.
 */
export async function upsertErpAccountsChunk(
  db: Db,
  ctx: RequestContext,
  lines: AccountLine[],
  required: readonly AccountRequirableField[],
): Promise<ErpBatchResult[]> {
  return db.transaction().execute(async (tx) => {
    const plans = await plan(tx, ctx, lines, required);
    const creates = plans.filter((p): p is Extract<Plan, { op: 'create' }> => 'op' in p && p.op === 'create');
    const updates = plans.filter((p): p is Extract<Plan, { op: 'update' }> => 'op' in p && p.op === 'update');
    const now = new Date();
    const inserted = creates.length
      ? await tx
          .insertInto('accounts')
          .values(
            creates.map((c) => ({
              id: c.id,
              scope_id: ctx.scopeId,
              ...c.fields,
              number: c.erpNumber,
              status: 'active' as const,
              erp_number: c.erpNumber,
              erp_sync_state: 'synced' as const,
              erp_synced_at: now,
              custom: '{}',
            })),
          )
          .returningAll()
          .execute()
      : [];
    const updated = updates.length ? await updateAccounts(tx, updates) : [];
    const addresses = creates.flatMap((c) => (c.address ? [c.address] : []));
    const addressRows = addresses.length
      ? await tx.insertInto('addresses').values(addresses).returningAll().execute()
      : [];
    const audits: AuditInput[] = [];
    const events: NewEvent[] = [];
    for (const row of inserted) {
      const account = toAccount(record(row));
      audits.push({
        action: 'account.created',
        entityType: 'account',
        entityId: row.id,
        after: auditedAccount(account),
      });
      events.push({ scopeId: ctx.scopeId, type: 'account.created', accountId: row.id, data: account });
    }
    for (const row of addressRows)
      audits.push({
        action: 'account.address.created',
        entityType: 'account',
        entityId: row.account_id!,
        after: auditedAddress(toAddress(row)),
      });
    const beforeOf = new Map(updates.map((u) => [u.before.id, u]));
    for (const row of updated) {
      const { before: stored, link } = beforeOf.get(row.id)!;
      if (link)
        audits.push({
          action: 'account.erp_linked',
          entityType: 'account',
          entityId: row.id,
          before: { erpNumber: stored.erp_number },
          after: { erpNumber: row.erp_number, erpSync: 'synced' },
        });
      const before: Account = toAccount(stored);
      const after: Account = toAccount(record(row, stored));
      const changes = diff(
        { ...auditedAccount(before), erpNumber: null },
        { ...auditedAccount(after), erpNumber: null },
      );
      if (!changes) continue;
      audits.push({ action: 'account.updated', entityType: 'account', entityId: row.id, ...changes });
      events.push({
        scopeId: ctx.scopeId,
        type: 'account.updated',
        accountId: row.id,
        data: { ...after, changed: Object.keys(changes.after) },
      });
    }
    await recordAudits(tx, ctx, audits);
    await recordEvents(tx, events);
    return plans.map((p) => {
      if (!('op' in p)) return p;
      const id = p.op === 'update' ? p.before.id : p.id;
      return {
        line: p.line,
        status: p.op === 'create' ? 'created' : p.op === 'update' ? 'updated' : 'unchanged',
        id,
      };
    });
  });
}

/** The changed accounts in one UPDATE … FROM a JSON recordset; linking keeps the ERP's first spelling. */
async function updateAccounts(tx: Executor, updates: Extract<Plan, { op: 'update' }>[]) {
  const values = updates.map((u) => ({
    id: u.before.id,
    ...u.fields,
    erp_number: u.erpNumber,
    link: u.link,
  }));
  const { rows } = await sql<Selectable<AccountsTable>>`
    UPDATE accounts a SET kind = v.kind, name = v.name, code = v.code, payment_terms = v.payment_terms,
      price_group = v.price_group, sales_rep_code = v.sales_rep_code,
      erp_number = CASE WHEN lower(a.erp_number) = lower(v.erp_number) THEN a.erp_number ELSE v.erp_number END,
      erp_sync_state = CASE WHEN v.link THEN 'synced' ELSE a.erp_sync_state END,
      erp_synced_at = CASE WHEN v.link THEN now() ELSE a.erp_synced_at END,
      erp_last_error = CASE WHEN v.link THEN NULL ELSE a.erp_last_error END,
      updated_at = now()
    FROM jsonb_to_recordset(${JSON.stringify(values)}::jsonb) AS v(id uuid, kind text, name text, code text,
      payment_terms text, price_group text, sales_rep_code text, erp_number text, link boolean)
    WHERE a.id = v.id
    RETURNING a.*`.execute(tx);
  return rows;
}
