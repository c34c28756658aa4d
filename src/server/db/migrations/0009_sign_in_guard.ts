import { sql, type Kysely } from 'kysely';

// Failed sign-ins per stored identity (an employee's or contact's id, or for an unknown email the email
// lowered by the database), so a spelling of the email the database matches all the same counts as one.
// API keys work only while their creator is an active employee: keys that never recorded one are revoked
// now (they were refused anyway), so the list says so instead of showing them as usable.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE sign_in_failures (
      key text PRIMARY KEY,
      failures integer NOT NULL,
      last_failure_at timestamptz NOT NULL,
      locked_until timestamptz
    );
    CREATE INDEX sign_in_failures_last_idx ON sign_in_failures (last_failure_at);
    UPDATE api_keys SET revoked_at = now() WHERE created_by IS NULL AND revoked_at IS NULL;
  `.execute(db);
}
