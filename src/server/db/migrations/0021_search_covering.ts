import { sql, type Kysely } from 'kysely';

// A search page's first stage reads up to 2,000 rows in id order and matches their `search` column: from
// these indexes alone (an index-only scan of ~30 pages), not from ~2,000 table pages, one per row.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE INDEX contacts_id_search ON contacts (id) INCLUDE (scope_id, search);
    CREATE INDEX accounts_id_search ON accounts (id) INCLUDE (scope_id, search);
  `.execute(db);
}
