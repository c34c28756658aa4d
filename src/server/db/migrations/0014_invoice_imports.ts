import { sql, type Kysely } from 'kysely';

// `invoices` as an import type, for imports and their schedules.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE imports DROP CONSTRAINT imports_type_check;
    ALTER TABLE imports ADD CONSTRAINT imports_type_check
      CHECK (type IN ('accounts', 'contacts', 'individuals', 'mixed', 'invoices'));
    ALTER TABLE import_schedules DROP CONSTRAINT import_schedules_type_check;
    ALTER TABLE import_schedules ADD CONSTRAINT import_schedules_type_check
      CHECK (type IN ('accounts', 'contacts', 'individuals', 'mixed', 'invoices'));
  `.execute(db);
}
