import { sql } from 'kysely';
import type { SettingsChoices } from '../../../contracts/settings.ts';
import type { Executor } from '../../db/client.ts';

export async function writeSetting(
  db: Executor,
  scopeId: string,
  key: string,
  value: unknown,
): Promise<void> {
  const json = JSON.stringify(value);
  await db
    .insertInto('settings')
    .values({ scope_id: scopeId, key, value: json, updated_at: new Date() })
    .onConflict((oc) => oc.columns(['scope_id', 'key']).doUpdateSet({ value: json, updated_at: new Date() }))
    .execute();
}

/** The account columns whose existing values the sign-up defaults are chosen from. */
export const DEFAULT_COLUMNS = {
  paymentTerms: 'payment_terms',
  priceGroup: 'price_group',
  salesRepCode: 'sales_rep_code',
} as const;
export type DefaultField = keyof typeof DEFAULT_COLUMNS;

async function distinctValues(db: Executor, scopeId: string, field: DefaultField): Promise<string[]> {
  const column = sql.ref(`accounts.${DEFAULT_COLUMNS[field]}`);
  const { rows } = await sql<{ value: string }>`
    select distinct ${column} as value, lower(${column}) as sort_key from accounts
    where accounts.scope_id = ${scopeId} and ${column} is not null and ${column} <> ''
    order by sort_key, value`.execute(db);
  return rows.map((r) => r.value);
}

export async function valueExists(
  db: Executor,
  scopeId: string,
  field: DefaultField,
  value: string,
): Promise<boolean> {
  const column = sql.ref(`accounts.${DEFAULT_COLUMNS[field]}`);
  const { rows } = await sql`
    select 1 from accounts where accounts.scope_id = ${scopeId} and ${column} = ${value} limit 1`.execute(db);
  return rows.length > 0;
}

export async function existingGroupKeys(db: Executor, scopeId: string, keys: string[]): Promise<string[]> {
  if (!keys.length) return [];
  const rows = await db
    .selectFrom('customer_groups')
    .select('key')
    .where('scope_id', '=', scopeId)
    .where('key', 'in', keys)
    .execute();
  return rows.map((r) => r.key);
}

export async function settingsChoices(db: Executor, scopeId: string): Promise<SettingsChoices> {
  const paymentTerms = await distinctValues(db, scopeId, 'paymentTerms');
  const priceGroups = await distinctValues(db, scopeId, 'priceGroup');
  const salesRepCodes = await distinctValues(db, scopeId, 'salesRepCode');
  const customerGroups = await db
    .selectFrom('customer_groups')
    .select(['key', 'name'])
    .where('scope_id', '=', scopeId)
    .orderBy(sql`lower(name)`)
    .orderBy('key')
    .execute();
  // Reading the sequence does not advance it (nextval would use up a number).
  const { rows } = await sql<{
    last_value: string;
    is_called: boolean;
  }>`select last_value::text as last_value, is_called from account_number_seq`.execute(db);
  const seq = rows[0];
  const nextAccountSequence = seq ? Number(seq.last_value) + (seq.is_called ? 1 : 0) : 0;
  return { paymentTerms, priceGroups, salesRepCodes, customerGroups, nextAccountSequence };
}
