import { sql, type Kysely } from 'kysely';

// The account a storefront session acts for, when its contact belongs to several. Empty means the
// contact's primary account; an account the contact has left since falls back to the primary too.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE sessions ADD COLUMN account_id uuid REFERENCES accounts(id) ON DELETE SET NULL;
  `.execute(db);
}
