import { sql, type Kysely } from 'kysely';

// Imports (R11–R15): uploaded files kept in the database so any instance can run them, resumable
// progress, rejected rows for the report, remembered mappings, drop-folder schedules; and the
// customer-group logins of bulk add.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE customer_groups ADD COLUMN password_hash text;
    ALTER TABLE customer_groups ADD COLUMN login_valid_from timestamptz;
    ALTER TABLE customer_groups ADD COLUMN login_valid_until timestamptz;
    ALTER TABLE customer_groups ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
    CREATE UNIQUE INDEX customer_groups_scope_lower_key ON customer_groups (scope_id, lower(key));
    CREATE INDEX account_customer_groups_group_idx ON account_customer_groups (customer_group_id);
    CREATE INDEX contact_customer_groups_group_idx ON contact_customer_groups (customer_group_id);

    ALTER TABLE audit_log ADD COLUMN import_id uuid;
    CREATE INDEX audit_import_idx ON audit_log (import_id) WHERE import_id IS NOT NULL;

    CREATE TABLE import_schedules (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      scope_id uuid NOT NULL REFERENCES scopes(id),
      name text NOT NULL,
      type text NOT NULL CHECK (type IN ('accounts', 'contacts', 'individuals', 'mixed')),
      folder text NOT NULL,
      cron text NOT NULL,
      timezone text NOT NULL DEFAULT 'UTC',
      options jsonb NOT NULL DEFAULT '{}',
      enabled boolean NOT NULL DEFAULT true,
      next_run_at timestamptz,
      last_run_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (scope_id, name)
    );
    CREATE INDEX import_schedules_due_idx ON import_schedules (next_run_at) WHERE enabled;

    CREATE TABLE imports (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      scope_id uuid NOT NULL REFERENCES scopes(id),
      type text NOT NULL CHECK (type IN ('accounts', 'contacts', 'individuals', 'mixed')),
      source_name text NOT NULL,
      format text NOT NULL CHECK (format IN ('csv', 'xlsx', 'text')),
      file_name text,
      file_size bigint NOT NULL,
      encoding text,
      delimiter text,
      sheet text,
      sheets jsonb NOT NULL DEFAULT '[]',
      columns jsonb NOT NULL DEFAULT '[]',
      mapping jsonb NOT NULL DEFAULT '{}',
      options jsonb NOT NULL DEFAULT '{}',
      status text NOT NULL CHECK (status IN
        ('uploaded', 'checking', 'checked', 'scheduled', 'queued', 'running', 'completed', 'failed', 'cancelled')),
      pass text CHECK (pass IN ('dry-run', 'run')),
      phase text CHECK (phase IN ('staging', 'applying')),
      counts jsonb NOT NULL DEFAULT '{"created":0,"updated":0,"unchanged":0,"rejected":0}',
      dry_run_counts jsonb,
      total_rows integer,
      rows_read integer NOT NULL DEFAULT 0,
      applied_line integer NOT NULL DEFAULT 0,
      rows_applied integer NOT NULL DEFAULT 0,
      cancel_requested boolean NOT NULL DEFAULT false,
      lease_until timestamptz,
      error text,
      scheduled_at timestamptz,
      schedule_id uuid REFERENCES import_schedules(id) ON DELETE SET NULL,
      created_by_type text NOT NULL,
      created_by_id text,
      created_by_label text NOT NULL,
      pass_started_at timestamptz,
      started_at timestamptz,
      finished_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX imports_scope_created_idx ON imports (scope_id, created_at DESC, id DESC);
    CREATE INDEX imports_active_idx ON imports (lease_until) WHERE status IN ('checking', 'running');

    -- The uploaded file, in 1 MiB chunks: every instance can read it, and it survives restarts.
    CREATE TABLE import_files (
      import_id uuid NOT NULL REFERENCES imports(id) ON DELETE CASCADE,
      seq integer NOT NULL,
      data bytea NOT NULL,
      PRIMARY KEY (import_id, seq)
    );

    CREATE TABLE import_rejections (
      id bigserial PRIMARY KEY,
      import_id uuid NOT NULL REFERENCES imports(id) ON DELETE CASCADE,
      line integer NOT NULL,
      column_name text,
      reason text NOT NULL,
      cells jsonb
    );
    CREATE INDEX import_rejections_import_idx ON import_rejections (import_id, line, id);

    -- Generated passwords, kept only until the file holding them is downloaded once.
    CREATE TABLE import_credentials (
      import_id uuid NOT NULL REFERENCES imports(id) ON DELETE CASCADE,
      email text NOT NULL,
      password text NOT NULL,
      PRIMARY KEY (import_id, email)
    );

    CREATE TABLE import_mappings (
      scope_id uuid NOT NULL REFERENCES scopes(id),
      type text NOT NULL,
      source_name text NOT NULL,
      mapping jsonb NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE UNIQUE INDEX import_mappings_key ON import_mappings (scope_id, type, lower(source_name));
  `.execute(db);
}
