import { sql, type Kysely } from 'kysely';

// Outbound webhooks: endpoints, one delivery per event × endpoint (its id is the stable webhook-id),
// and every attempt at it, for the delivery log.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE webhook_endpoints (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      scope_id uuid NOT NULL REFERENCES scopes(id),
      url text NOT NULL,
      description text,
      event_types text[] NOT NULL,
      enabled boolean NOT NULL DEFAULT true,
      -- Needed in clear to sign (HMAC); never returned after creation or rotation.
      secret text NOT NULL,
      previous_secret text,
      previous_secret_until timestamptz,
      failing_since timestamptz,
      disabled_reason text,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX webhook_endpoints_scope ON webhook_endpoints (scope_id) WHERE enabled;

    CREATE TABLE webhook_deliveries (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      -- Creation order, for the delivery log's pages.
      n bigserial NOT NULL,
      endpoint_id uuid NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
      event_id uuid REFERENCES events(id) ON DELETE CASCADE,
      -- A test event has no row in events: its type and data live here.
      type text NOT NULL,
      test_data jsonb,
      account_id uuid,
      -- The event's seq: deliveries of one account to one endpoint go out in this order.
      seq bigint NOT NULL,
      status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'succeeded', 'failed')),
      attempts int NOT NULL DEFAULT 0,
      next_attempt_at timestamptz,
      lease_until timestamptz,
      last_status int,
      last_error text,
      created_at timestamptz NOT NULL DEFAULT now(),
      completed_at timestamptz
    );
    CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
    CREATE INDEX webhook_deliveries_sending ON webhook_deliveries (lease_until) WHERE status = 'sending';
    CREATE INDEX webhook_deliveries_account ON webhook_deliveries (endpoint_id, account_id, seq)
      WHERE status IN ('pending', 'sending');
    CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, n DESC);

    CREATE TABLE webhook_attempts (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      delivery_id uuid NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
      attempt int NOT NULL,
      request_headers jsonb NOT NULL,
      request_body text NOT NULL,
      response_status int,
      response_body text,
      error text,
      duration_ms int NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, attempt);
  `.execute(db);
}
