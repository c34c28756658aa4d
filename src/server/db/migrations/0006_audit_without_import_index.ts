import { sql, type Kysely } from 'kysely';

// No query reads audit entries by import, and a big import paid for this index on every row it audited.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX IF EXISTS audit_import_idx`.execute(db);
}
