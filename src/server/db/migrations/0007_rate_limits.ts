import { sql, type Kysely } from 'kysely';

// Request limits counted in the database, so every instance sees the same counts. UNLOGGED: a count is
// worth no WAL; a database crash only starts every window afresh.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE UNLOGGED TABLE rate_limits (
      key text PRIMARY KEY,
      count integer NOT NULL,
      reset_at timestamptz NOT NULL
    );
    CREATE INDEX rate_limits_reset_idx ON rate_limits (reset_at);
  `.execute(db);
}
