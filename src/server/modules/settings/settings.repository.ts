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

/** The active codes of one of the seller's lists, by code: what the sign-up defaults are chosen from. */
async function activeCodes(
  db: Executor,
  scopeId: string,
  list: 'payment-terms' | 'price-groups' | 'sales-reps',
): Promise<string[]> {
  const rows = await db
    .selectFrom('commercial_codes')
    .select('code')
    .where('scope_id', '=', scopeId)
    .where('list', '=', list)
    .where('active', '=', true)
    .orderBy(sql`lower(code)`)
    .orderBy('code')
    .execute();
  return rows.map((r) => r.code);
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
  const paymentTerms = await activeCodes(db, scopeId, 'payment-terms');
  const priceGroups = await activeCodes(db, scopeId, 'price-groups');
  const salesRepCodes = await activeCodes(db, scopeId, 'sales-reps');
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
