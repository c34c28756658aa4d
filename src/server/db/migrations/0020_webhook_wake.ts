import { sql, type Kysely } from 'kysely';

/** The channel a transaction that adds webhook deliveries notifies on commit (see webhook-wake.ts). */
export const WEBHOOK_DELIVERIES_CHANNEL = 'clientele_webhook_deliveries';

// On PostgreSQL, new deliveries wake the senders of every instance at commit, not at their next poll.
// The embedded database is one instance, woken in process: it gets no trigger.
export async function up(db: Kysely<unknown>): Promise<void> {
  const { rows } = await sql<{ version: string }>`SELECT version()`.execute(db);
  if (rows[0]?.version.includes('wasm32')) return;
  await sql`
    CREATE FUNCTION notify_webhook_deliveries() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      -- One notification per statement (and PostgreSQL folds repeats in a transaction), none for zero rows.
      IF EXISTS (SELECT 1 FROM new_deliveries) THEN
        PERFORM pg_notify(${sql.lit(WEBHOOK_DELIVERIES_CHANNEL)}, '');
      END IF;
      RETURN NULL;
    END $$`.execute(db);
  await sql`
    CREATE TRIGGER webhook_deliveries_notify AFTER INSERT ON webhook_deliveries
    REFERENCING NEW TABLE AS new_deliveries
    FOR EACH STATEMENT EXECUTE FUNCTION notify_webhook_deliveries()`.execute(db);
}
