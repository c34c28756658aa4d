import { sql, type Kysely } from 'kysely';

// ERP identity and sync state of accounts, the orders the ERP reports, and replayable POST answers.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE accounts
      ADD COLUMN erp_number text,
      ADD COLUMN erp_sync_state text NOT NULL DEFAULT 'not-synced'
        CHECK (erp_sync_state IN ('not-synced', 'queued', 'synced', 'failed')),
      ADD COLUMN erp_sync_attempts integer NOT NULL DEFAULT 0,
      ADD COLUMN erp_last_error text,
      ADD COLUMN erp_queued_at timestamptz,
      ADD COLUMN first_order_at timestamptz;
    CREATE UNIQUE INDEX accounts_scope_erp_number_key ON accounts (scope_id, lower(erp_number))
      WHERE erp_number IS NOT NULL;
    CREATE INDEX accounts_erp_sync_state ON accounts (scope_id, erp_sync_state);

    -- Search finds the ERP number too: the generated column is defined anew.
    DROP INDEX accounts_search_trgm;
    ALTER TABLE accounts DROP COLUMN search;
    ALTER TABLE accounts ADD COLUMN search text GENERATED ALWAYS AS (
      f_unaccent(lower(coalesce(code, '') || ' ' || number || ' ' || coalesce(erp_number, '') || ' ' || name))
    ) STORED;
    CREATE INDEX accounts_search_trgm ON accounts USING gin (search gin_trgm_ops);

    CREATE TABLE orders (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      scope_id uuid NOT NULL REFERENCES scopes(id),
      number text NOT NULL,
      account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
      placed_at timestamptz NOT NULL,
      total numeric(16, 2) NOT NULL,
      currency text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE UNIQUE INDEX orders_scope_number_key ON orders (scope_id, lower(number));
    CREATE INDEX orders_account_placed ON orders (account_id, placed_at DESC, id);

    -- The first answer to a POST with an Idempotency-Key, per principal, replayed for the same key.
    CREATE TABLE idempotency_keys (
      principal text NOT NULL,
      key text NOT NULL,
      method text NOT NULL,
      path text NOT NULL,
      request_hash text NOT NULL,
      status integer NOT NULL,
      body jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (principal, key)
    );
    CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
  `.execute(db);
}
