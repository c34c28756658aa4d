import { sql, type Kysely } from 'kysely';

// Custom attribute definitions (R9): more types, per-language labels, help text, list/filter/sign-up flags,
// and archiving instead of deleting (stored values stay in the `custom` jsonb of accounts and contacts).
// GIN indexes on `custom` make `attr.<key>=<value>` filters (jsonb containment) index-friendly.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE custom_attributes DROP CONSTRAINT IF EXISTS custom_attributes_type_check;
    ALTER TABLE custom_attributes ADD CONSTRAINT custom_attributes_type_check CHECK (
      type IN ('text', 'number', 'date', 'boolean', 'select', 'multiselect', 'email', 'phone', 'url')
    );
    ALTER TABLE custom_attributes
      ADD COLUMN labels jsonb NOT NULL DEFAULT '{}',
      ADD COLUMN help_text text,
      ADD COLUMN show_in_list boolean NOT NULL DEFAULT false,
      ADD COLUMN filterable boolean NOT NULL DEFAULT false,
      ADD COLUMN show_at_sign_up boolean NOT NULL DEFAULT false,
      ADD COLUMN archived_at timestamptz,
      ADD COLUMN created_at timestamptz NOT NULL DEFAULT now(),
      ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
    CREATE INDEX accounts_custom_gin ON accounts USING gin (custom jsonb_path_ops);
    CREATE INDEX contacts_custom_gin ON contacts USING gin (custom jsonb_path_ops);
  `.execute(db);
}
