import { sql, type Kysely } from 'kysely';

// The whole brief's data model; later migrations add what later features discover.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
    CREATE EXTENSION IF NOT EXISTS unaccent;

    -- unaccent() is only STABLE; an IMMUTABLE wrapper lets generated columns and indexes use it.
    CREATE OR REPLACE FUNCTION f_unaccent(text) RETURNS text
      LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
      AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$;

    CREATE TABLE scopes (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      key text NOT NULL UNIQUE,
      name text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    INSERT INTO scopes (key, name) VALUES ('default', 'Default store');

    CREATE TABLE settings (
      scope_id uuid NOT NULL REFERENCES scopes(id) ON DELETE CASCADE,
      key text NOT NULL,
      value jsonb NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (scope_id, key)
    );

    CREATE SEQUENCE account_number_seq START 10001;

    CREATE TABLE accounts (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      scope_id uuid NOT NULL REFERENCES scopes(id),
      kind text NOT NULL CHECK (kind IN ('business', 'personal')),
      name text NOT NULL,
      code text,
      number text NOT NULL,
      status text NOT NULL DEFAULT 'active' CHECK (status IN ('pending', 'active', 'disabled')),
      payment_terms text,
      price_group text,
      sales_rep_code text,
      erp_synced_at timestamptz,
      custom jsonb NOT NULL DEFAULT '{}',
      search text GENERATED ALWAYS AS (
        f_unaccent(lower(coalesce(code, '') || ' ' || number || ' ' || name))
      ) STORED,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE UNIQUE INDEX accounts_scope_number_key ON accounts (scope_id, lower(number));
    CREATE UNIQUE INDEX accounts_scope_code_key ON accounts (scope_id, lower(code)) WHERE code IS NOT NULL;
    CREATE INDEX accounts_search_trgm ON accounts USING gin (search gin_trgm_ops);
    CREATE INDEX accounts_name_idx ON accounts (scope_id, lower(name), id);

    CREATE TABLE contacts (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      scope_id uuid NOT NULL REFERENCES scopes(id),
      email text NOT NULL,
      first_name text NOT NULL,
      last_name text NOT NULL,
      phone text,
      work_phone text,
      language text NOT NULL DEFAULT 'en',
      status text NOT NULL DEFAULT 'active' CHECK (status IN ('pending', 'active', 'disabled')),
      password_hash text,
      login_valid_from timestamptz,
      login_valid_until timestamptz,
      activated_at timestamptz,
      last_sign_in_at timestamptz,
      custom jsonb NOT NULL DEFAULT '{}',
      search text GENERATED ALWAYS AS (
        f_unaccent(lower(email || ' ' || first_name || ' ' || last_name))
      ) STORED,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    -- R5: one contact per email in a scope, whatever its case.
    CREATE UNIQUE INDEX contacts_scope_email_key ON contacts (scope_id, lower(email));
    CREATE INDEX contacts_search_trgm ON contacts USING gin (search gin_trgm_ops);
    CREATE INDEX contacts_created_idx ON contacts (scope_id, created_at DESC, id DESC);

    -- A contact may belong to several accounts; one of them is its primary account.
    CREATE TABLE contact_accounts (
      contact_id uuid NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
      account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
      is_primary boolean NOT NULL DEFAULT false,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (contact_id, account_id)
    );
    CREATE INDEX contact_accounts_account_idx ON contact_accounts (account_id, contact_id);
    CREATE UNIQUE INDEX contact_accounts_one_primary ON contact_accounts (contact_id) WHERE is_primary;

    CREATE TABLE addresses (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      account_id uuid REFERENCES accounts(id) ON DELETE CASCADE,
      contact_id uuid REFERENCES contacts(id) ON DELETE CASCADE,
      type text NOT NULL CHECK (type IN ('billing', 'shipping')),
      is_default boolean NOT NULL DEFAULT false,
      name text,
      line1 text NOT NULL,
      line2 text,
      city text NOT NULL,
      postal_code text NOT NULL,
      region text,
      country text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      CHECK ((account_id IS NULL) <> (contact_id IS NULL))
    );
    CREATE INDEX addresses_account_idx ON addresses (account_id) WHERE account_id IS NOT NULL;
    CREATE INDEX addresses_contact_idx ON addresses (contact_id) WHERE contact_id IS NOT NULL;

    CREATE TABLE customer_groups (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      scope_id uuid NOT NULL REFERENCES scopes(id),
      key text NOT NULL,
      name text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (scope_id, key)
    );
    CREATE TABLE account_customer_groups (
      account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
      customer_group_id uuid NOT NULL REFERENCES customer_groups(id),
      PRIMARY KEY (account_id, customer_group_id)
    );
    CREATE TABLE contact_customer_groups (
      contact_id uuid NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
      customer_group_id uuid NOT NULL REFERENCES customer_groups(id),
      PRIMARY KEY (contact_id, customer_group_id)
    );

    CREATE TABLE custom_attributes (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      scope_id uuid NOT NULL REFERENCES scopes(id),
      entity text NOT NULL CHECK (entity IN ('account', 'contact')),
      key text NOT NULL,
      label text NOT NULL,
      type text NOT NULL CHECK (type IN ('text', 'number', 'boolean', 'date', 'select')),
      options jsonb NOT NULL DEFAULT '[]',
      mandatory boolean NOT NULL DEFAULT false,
      position integer NOT NULL DEFAULT 0,
      UNIQUE (scope_id, entity, key)
    );

    CREATE TABLE roles (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      key text NOT NULL UNIQUE,
      name text NOT NULL,
      description text,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE group_roles (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      key text NOT NULL UNIQUE,
      name text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE group_role_roles (
      group_role_id uuid NOT NULL REFERENCES group_roles(id) ON DELETE CASCADE,
      role_id uuid NOT NULL REFERENCES roles(id),
      PRIMARY KEY (group_role_id, role_id)
    );
    CREATE TABLE contact_roles (
      contact_id uuid NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
      role_id uuid NOT NULL REFERENCES roles(id),
      PRIMARY KEY (contact_id, role_id)
    );
    CREATE TABLE contact_group_roles (
      contact_id uuid NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
      group_role_id uuid NOT NULL REFERENCES group_roles(id),
      PRIMARY KEY (contact_id, group_role_id)
    );

    CREATE TABLE employees (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      email text NOT NULL,
      name text,
      password_hash text,
      roles text[] NOT NULL DEFAULT '{}',
      status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
      last_sign_in_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE UNIQUE INDEX employees_email_key ON employees (lower(email));
    CREATE TABLE employee_accounts (
      employee_id uuid NOT NULL REFERENCES employees(id) ON DELETE CASCADE,
      account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
      PRIMARY KEY (employee_id, account_id)
    );
    CREATE INDEX employee_accounts_account_idx ON employee_accounts (account_id);

    -- Sessions live in the database so that every instance recognises them.
    CREATE TABLE sessions (
      token_hash text PRIMARY KEY,
      subject_type text NOT NULL CHECK (subject_type IN ('employee', 'contact')),
      subject_id uuid NOT NULL,
      ip text,
      user_agent text,
      created_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL
    );
    CREATE INDEX sessions_subject_idx ON sessions (subject_type, subject_id);

    CREATE TABLE api_keys (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      name text NOT NULL,
      prefix text NOT NULL,
      key_hash text NOT NULL UNIQUE,
      roles text[] NOT NULL,
      created_by uuid REFERENCES employees(id) ON DELETE SET NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      last_used_at timestamptz,
      revoked_at timestamptz
    );

    -- Single-use links (activation, password reset, first-administrator setup); only hashes are kept.
    CREATE TABLE one_time_tokens (
      token_hash text PRIMARY KEY,
      purpose text NOT NULL CHECK (purpose IN ('activation', 'password-reset', 'employee-setup', 'employee-reset')),
      subject_id uuid,
      created_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL,
      used_at timestamptz
    );
    CREATE INDEX one_time_tokens_subject_idx ON one_time_tokens (purpose, subject_id);

    -- The email outbox and log: written in the transaction of the change that causes the email.
    CREATE TABLE emails (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      scope_id uuid REFERENCES scopes(id),
      template_key text,
      language text,
      to_address text NOT NULL,
      cc text[] NOT NULL DEFAULT '{}',
      bcc text[] NOT NULL DEFAULT '{}',
      from_address text,
      subject text NOT NULL,
      html text NOT NULL,
      text text NOT NULL,
      status text NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'captured')),
      message_id text NOT NULL,
      contact_id uuid REFERENCES contacts(id) ON DELETE SET NULL,
      attempts integer NOT NULL DEFAULT 0,
      last_error text,
      next_attempt_at timestamptz,
      sent_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX emails_created_idx ON emails (created_at DESC, id DESC);
    CREATE INDEX emails_to_idx ON emails (lower(to_address));
    CREATE INDEX emails_due_idx ON emails (next_attempt_at) WHERE status = 'queued';

    CREATE TABLE email_templates (
      key text NOT NULL,
      language text NOT NULL,
      subject text NOT NULL,
      html text NOT NULL,
      text text NOT NULL,
      updated_by uuid REFERENCES employees(id) ON DELETE SET NULL,
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (key, language)
    );
    CREATE TABLE email_settings (
      key text PRIMARY KEY,
      enabled boolean NOT NULL DEFAULT true,
      cc text[] NOT NULL DEFAULT '{}',
      bcc text[] NOT NULL DEFAULT '{}',
      from_name text,
      from_address text
    );

    CREATE TABLE audit_log (
      id bigserial PRIMARY KEY,
      at timestamptz NOT NULL DEFAULT now(),
      actor_type text NOT NULL,
      actor_id text,
      actor_label text,
      source text NOT NULL,
      action text NOT NULL,
      entity_type text NOT NULL,
      entity_id text NOT NULL,
      before jsonb,
      after jsonb,
      ip text,
      request_id text
    );
    CREATE INDEX audit_entity_idx ON audit_log (entity_type, entity_id, id DESC);
    CREATE INDEX audit_actor_idx ON audit_log (actor_id, id DESC);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP SCHEMA public CASCADE; CREATE SCHEMA public;`.execute(db);
}
