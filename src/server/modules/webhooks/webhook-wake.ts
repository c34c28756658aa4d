import pg from 'pg';
import { WEBHOOK_DELIVERIES_CHANNEL } from '../../db/migrations/0020_webhook_wake.ts';

const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = 30_000;

export type DeliveriesListener = { close(): Promise<void> };

/**
 * On PostgreSQL, a connection of its own LISTENs for the notification a transaction adding webhook deliveries
 * sends at commit (the trigger of migration 0020), on any instance, and calls `onNotify`. A lost connection is
 * made again (1 s, doubling to 30 s), with `onNotify` once connected for what came meanwhile; the poll stays
 * the safety net. Never throws.
 */
export function listenForDeliveries(
  databaseUrl: string,
  onNotify: () => void,
  log: (msg: string, err?: unknown) => void,
): DeliveriesListener {
  let closed = false;
  let client: pg.Client | null = null;
  let retryMs = RETRY_FIRST_MS;
  let timer: NodeJS.Timeout | null = null;

  const again = (lost: pg.Client) => {
    if (closed || lost !== client || timer) return;
    client = null;
    lost.end().catch(() => {});
    timer = setTimeout(() => {
      timer = null;
      void connect();
    }, retryMs);
    retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
  };

  async function connect() {
    const c = new pg.Client({
      connectionString: databaseUrl,
      connectionTimeoutMillis: 5000,
      // Probes notice a server that vanished without closing (a failover): the connection is made again.
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
    });
    client = c;
    c.on('notification', () => onNotify());
    c.on('error', (err) => {
      log('webhook wake-up connection lost', err);
      again(c);
    });
    c.on('end', () => again(c));
    try {
      await c.connect();
      await c.query(`LISTEN ${WEBHOOK_DELIVERIES_CHANNEL}`);
      if (closed) return void (await c.end());
      retryMs = RETRY_FIRST_MS;
      onNotify();
    } catch (err) {
      log('webhook wake-up connection failed', err);
      again(c);
    }
  }

  void connect();
  return {
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      const c = client;
      client = null;
      await c?.end().catch(() => {});
    },
  };
}
