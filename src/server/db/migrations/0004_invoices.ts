import { sql, type Kysely } from 'kysely';

// Invoices let a visitor prove they belong to an existing account (seed 004): number, zip and a recent invoice.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE invoices (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      scope_id uuid NOT NULL REFERENCES scopes(id),
      account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
      number text NOT NULL,
      date date NOT NULL,
      amount numeric(14, 2) NOT NULL,
      currency text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE UNIQUE INDEX invoices_scope_number_key ON invoices (scope_id, lower(number));
    CREATE INDEX invoices_account_idx ON invoices (account_id, date DESC);

    -- Who decided on a self-registered account, and why it was turned down.
    ALTER TABLE accounts ADD COLUMN approved_at timestamptz;
    ALTER TABLE accounts ADD COLUMN approved_by text;
    ALTER TABLE accounts ADD COLUMN rejected_at timestamptz;
    ALTER TABLE accounts ADD COLUMN rejection_reason text;
    ALTER TABLE accounts ADD COLUMN self_registered boolean NOT NULL DEFAULT false;
    CREATE INDEX accounts_pending_idx ON accounts (scope_id, created_at) WHERE status = 'pending';
  `.execute(db);
}
