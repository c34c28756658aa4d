import { sql, type Kysely } from 'kysely';

// Address books: one default address per type per owner (account or contact), held by partial unique
// indexes, so moving the default is one transaction that clears the old one before setting the new one.
// Owners that have several defaults of a type today keep the oldest as default.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    UPDATE addresses a SET is_default = false
    WHERE a.is_default AND EXISTS (
      SELECT 1 FROM addresses b
      WHERE b.is_default AND b.type = a.type AND b.id <> a.id
        AND (b.account_id = a.account_id OR b.contact_id = a.contact_id)
        AND (b.created_at, b.id) < (a.created_at, a.id)
    );
    CREATE UNIQUE INDEX addresses_account_one_default ON addresses (account_id, type)
      WHERE is_default AND account_id IS NOT NULL;
    CREATE UNIQUE INDEX addresses_contact_one_default ON addresses (contact_id, type)
      WHERE is_default AND contact_id IS NOT NULL;
    ALTER TABLE addresses ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
  `.execute(db);
}
