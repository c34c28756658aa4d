import { sql, type Kysely } from 'kysely';

// Delivery over SMTP: a lease for the worker that is sending, and a record of every attempt.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE emails ADD COLUMN lease_until timestamptz;
    ALTER TABLE emails ADD COLUMN from_name text;
    CREATE INDEX emails_sending_idx ON emails (lease_until) WHERE status = 'sending';

    CREATE TABLE email_attempts (
      id bigserial PRIMARY KEY,
      email_id uuid NOT NULL REFERENCES emails(id) ON DELETE CASCADE,
      at timestamptz NOT NULL DEFAULT now(),
      outcome text NOT NULL CHECK (outcome IN ('sent', 'temporary-failure', 'permanent-failure')),
      response text,
      duration_ms integer NOT NULL
    );
    CREATE INDEX email_attempts_email_idx ON email_attempts (email_id, id);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE email_attempts; ALTER TABLE emails DROP COLUMN lease_until; ALTER TABLE emails DROP COLUMN from_name;`.execute(
    db,
  );
}
