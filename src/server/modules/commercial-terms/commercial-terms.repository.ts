import { sql } from 'kysely';
import {
  COMMERCIAL_FIELDS,
  COMMERCIAL_LABELS,
  COMMERCIAL_LISTS,
  type CommercialCode,
  type CommercialField,
  type CommercialList,
} from '../../../contracts/commercial-terms.ts';
import type { Executor } from '../../db/client.ts';
import { unprocessable, type FieldError } from '../../lib/errors.ts';

/** The account column each list's codes are kept in. */
export const COMMERCIAL_COLUMNS = {
  'payment-terms': 'payment_terms',
  'price-groups': 'price_group',
  'sales-reps': 'sales_rep_code',
} as const satisfies Record<CommercialList, string>;

const LIST_OF_FIELD = Object.fromEntries(COMMERCIAL_LISTS.map((l) => [COMMERCIAL_FIELDS[l], l])) as Record<
  CommercialField,
  CommercialList
>;

/** The codes of a list, by code, each with the number of accounts that have it (one statement). */
export async function selectCodes(
  db: Executor,
  scopeId: string,
  list: CommercialList,
  code?: string,
): Promise<CommercialCode[]> {
  const column = sql.ref(`a.${COMMERCIAL_COLUMNS[list]}`);
  let q = db
    .selectFrom('commercial_codes as c')
    .select([
      'c.code',
      'c.name',
      'c.active',
      sql<number>`(select count(*)::int from accounts a where a.scope_id = c.scope_id and ${column} = c.code)`.as(
        'accountCount',
      ),
    ])
    .where('c.scope_id', '=', scopeId)
    .where('c.list', '=', list)
    .orderBy(sql`lower(c.code)`)
    .orderBy('c.code');
  if (code !== undefined) q = q.where('c.code', '=', code);
  return q.execute();
}

export type CommercialValues = Partial<Record<CommercialField, string | null | undefined>>;

/**
 * Checks codes about to be given: each must be in its list and active. A code the record already has
 * (`current`) may stay even when it has been deactivated since. Problems name the field: 422.
 */
export async function assertCommercialCodes(
  db: Executor,
  scopeId: string,
  values: CommercialValues,
  current: CommercialValues = {},
  pathPrefix = '',
): Promise<void> {
  const wanted = wantedCodes(values, current);
  if (!wanted.length) return;
  const rows = await db
    .selectFrom('commercial_codes')
    .select(['list', 'code', 'active'])
    .where('scope_id', '=', scopeId)
    .where((eb) => eb.or(wanted.map((w) => eb.and([eb('list', '=', w.list), eb('code', '=', w.code)]))))
    .execute();
  const problems = commercialCodeProblems(wanted, rows, pathPrefix);
  if (problems.length) throw unprocessable(problems[0]!.message, problems);
}

export type WantedCode = { field: CommercialField; list: CommercialList; code: string };

/** The codes a write gives that the record does not have yet: the ones to check. */
export function wantedCodes(values: CommercialValues, current: CommercialValues = {}): WantedCode[] {
  return (Object.keys(LIST_OF_FIELD) as CommercialField[]).flatMap((field) => {
    const value = values[field];
    if (value === undefined || value === null || value === current[field]) return [];
    return [{ field, list: LIST_OF_FIELD[field], code: value }];
  });
}

/** The codes of `wanted` missing from `found` (the list's rows) or inactive there, as field errors. */
export function commercialCodeProblems(
  wanted: WantedCode[],
  found: { list: string; code: string; active: boolean }[],
  pathPrefix = '',
): FieldError[] {
  const problems: FieldError[] = [];
  for (const w of wanted) {
    const row = found.find((r) => r.list === w.list && r.code === w.code);
    const label = COMMERCIAL_LABELS[w.list].one;
    if (!row)
      problems.push({
        path: `${pathPrefix}${w.field}`,
        message: `Unknown ${label} “${w.code}”: add it under Settings → Customer data first`,
      });
    else if (!row.active)
      problems.push({
        path: `${pathPrefix}${w.field}`,
        message: `The ${label} “${w.code}” is inactive and cannot be newly given`,
      });
  }
  return problems;
}

/** Customer group ids for keys; unknown keys are 422 naming `customerGroups`. */
export async function customerGroupIds(
  db: Executor,
  scopeId: string,
  keys: string[],
  path = 'customerGroups',
): Promise<string[]> {
  const unique = [...new Set(keys)];
  if (!unique.length) return [];
  const rows = await db
    .selectFrom('customer_groups')
    .select(['id', 'key'])
    .where('scope_id', '=', scopeId)
    .where('key', 'in', unique)
    .execute();
  const unknown = unique.filter((k) => !rows.some((r) => r.key === k));
  if (unknown.length)
    throw unprocessable(`Unknown customer group${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`, [
      { path, message: `Unknown customer group${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}` },
    ]);
  return rows.map((r) => r.id);
}

/** Makes the account a member of exactly these groups (ids). */
export async function setAccountCustomerGroups(db: Executor, accountId: string, groupIds: string[]) {
  let del = db.deleteFrom('account_customer_groups').where('account_id', '=', accountId);
  if (groupIds.length) del = del.where('customer_group_id', 'not in', groupIds);
  await del.execute();
  if (groupIds.length)
    await db
      .insertInto('account_customer_groups')
      .values(groupIds.map((customer_group_id) => ({ account_id: accountId, customer_group_id })))
      .onConflict((oc) => oc.doNothing())
      .execute();
}
