import { sql, type Kysely } from 'kysely';

// The short-lived token a visitor gets after proving they belong to an account (POST /api/store/join/verify).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE one_time_tokens DROP CONSTRAINT one_time_tokens_purpose_check;
    ALTER TABLE one_time_tokens ADD CONSTRAINT one_time_tokens_purpose_check
      CHECK (purpose IN ('activation', 'password-reset', 'employee-setup', 'employee-reset', 'join'));
  `.execute(db);
}
