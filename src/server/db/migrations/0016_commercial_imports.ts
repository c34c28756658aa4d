import { sql, type Kysely } from 'kysely';

// The commercial lists (payment terms, price groups, sales reps) as import types, for imports and schedules.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE imports DROP CONSTRAINT imports_type_check;
    ALTER TABLE imports ADD CONSTRAINT imports_type_check CHECK (type IN ('accounts', 'contacts', 'individuals',
      'mixed', 'invoices', 'payment-terms', 'price-groups', 'sales-reps'));
    ALTER TABLE import_schedules DROP CONSTRAINT import_schedules_type_check;
    ALTER TABLE import_schedules ADD CONSTRAINT import_schedules_type_check CHECK (type IN ('accounts', 'contacts',
      'individuals', 'mixed', 'invoices', 'payment-terms', 'price-groups', 'sales-reps'));
  `.execute(db);
}
