import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '../../../../test/helpers/database.ts';
import type { Database } from '../../db/client.ts';
import * as m0010 from '../../db/migrations/0010_address_defaults.ts';

describe('migration 0010: one default address per type and owner', () => {
  let database: Database;
  beforeAll(async () => {
    database = await freshDatabase();
  });
  afterAll(() => database.close());

  it('keeps the oldest of several defaults, then refuses a second default', async () => {
    const { db } = database;
    // Back to the state before 0010, with what older versions could store: two default billing addresses.
    await sql`DROP INDEX addresses_account_one_default; DROP INDEX addresses_contact_one_default;
      ALTER TABLE addresses DROP COLUMN updated_at`.execute(db);
    const { id: scopeId } = await db.selectFrom('scopes').select('id').executeTakeFirstOrThrow();
    const { id: accountId } = await db
      .insertInto('accounts')
      .values({
        scope_id: scopeId,
        kind: 'business',
        name: 'Old',
        code: null,
        number: 'OLD-1',
        status: 'active',
        payment_terms: null,
        price_group: null,
        sales_rep_code: null,
        erp_synced_at: null,
        custom: '{}',
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const row = (line1: string, minutesAgo: number, type: 'billing' | 'shipping' = 'billing') => sql`
      INSERT INTO addresses (account_id, type, is_default, line1, city, postal_code, country, created_at)
      VALUES (${accountId}, ${type}, true, ${line1}, 'London', 'SW1A 1AA', 'GB', now() - ${`${minutesAgo} minutes`}::interval)`;
    for (const q of [row('Newer', 1), row('Oldest', 10), row('Middle', 5), row('Ship', 3, 'shipping')])
      await q.execute(db);

    // Run 0010 itself: later migrations are already applied, so the migrator would refuse to re-run an older one.
    await m0010.up(db as unknown as Kysely<unknown>);
    const defaults = await db
      .selectFrom('addresses')
      .select(['line1', 'type'])
      .where('account_id', '=', accountId)
      .where('is_default', '=', true)
      .orderBy('type')
      .execute();
    expect(defaults).toEqual([
      { line1: 'Oldest', type: 'billing' },
      { line1: 'Ship', type: 'shipping' },
    ]);
    await expect(
      sql`UPDATE addresses SET is_default = true WHERE line1 = 'Newer'`.execute(db),
    ).rejects.toThrow(/addresses_account_one_default/);
  });
});
