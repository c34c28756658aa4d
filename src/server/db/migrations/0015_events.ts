import { sql, type Kysely } from 'kysely';

// The outbox of domain events: written in the transaction of the change, delivered later (webhooks).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE events (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      -- Commit order is not id order; seq orders the events of one account.
      seq bigserial NOT NULL UNIQUE,
      scope_id uuid NOT NULL REFERENCES scopes(id),
      type text NOT NULL,
      account_id uuid REFERENCES accounts(id) ON DELETE SET NULL,
      data jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX events_account_seq ON events (account_id, seq);
    CREATE INDEX events_created_at ON events (created_at);
  `.execute(db);
}
