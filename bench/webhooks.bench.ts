import { benchDatabase } from './bench-database.ts';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { sql } from 'kysely';
import { loadConfig } from '../src/server/config.ts';
import { openDatabase } from '../src/server/db/client.ts';
import { recordEvents } from '../src/server/modules/events/index.ts';
import { newSecret } from '../src/server/modules/webhooks/webhooks.service.ts';
import { openRuntime } from '../src/server/runtime.ts';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 10_000);
/** Accounts the events are spread over: each account's events are delivered in order, one at a time. */
const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 2_000);
/** Events per transaction: changes commit many at once under load (imports, bulk actions). */
const PER_TRANSACTION = Number(process.env.BENCH_PER_TRANSACTION ?? 100);
/** Events per second to record at (0: as fast as possible); latency means most below the delivery rate. */
const RATE = Number(process.env.BENCH_RATE ?? 0);
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_SECONDS ?? 600) * 1000;

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

/** A local receiver that answers 200 and notes when each event (by its `data.n`) arrived, and how often. */
async function startReceiver() {
  const receivedAt = new Map<number, number>();
  let deliveries = 0;
  let outOfOrder = 0;
  const lastOfAccount = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const { data } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        data: { n: number; accountId: string; i: number };
      };
      deliveries++;
      if (!receivedAt.has(data.n)) receivedAt.set(data.n, Date.now());
      if ((lastOfAccount.get(data.accountId) ?? -1) > data.i) outOfOrder++;
      lastOfAccount.set(data.accountId, data.i);
      res.writeHead(200).end('ok');
    });
  });
  // Node's default: a receiver announcing `Keep-Alive: timeout=1` would get no reused connections.
  server.keepAliveTimeout = 5000;
  let connections = 0;
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    receivedAt,
    stats: () => ({ deliveries, outOfOrder, connections }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Records events in transactions (as the app's writes do) while the sender delivers them to a local
 * receiver: deliveries/s, and the delay from the commit that wrote an event to its receipt.
 */
export async function run(args: string[]): Promise<void> {
  // --backlog writes every event before the sender starts: delivery throughput alone, on a full queue.
  const backlog = args.includes('--backlog');
  const receiver = await startReceiver();
  const { url } = await benchDatabase(process.env.BENCH_DB ?? 'clientele_bench_webhooks');
  const config = loadConfig({
    DATABASE_URL: url,
    PUBLIC_URL: 'http://bench.local',
    LOG_LEVEL: 'silent',
    WEBHOOK_ALLOW_PRIVATE: 'true',
    ...(process.env.WEBHOOK_CONCURRENCY && { WEBHOOK_CONCURRENCY: process.env.WEBHOOK_CONCURRENCY }),
    ...(process.env.WEBHOOK_POLL_SECONDS && { WEBHOOK_POLL_SECONDS: process.env.WEBHOOK_POLL_SECONDS }),
  });
  const database = await openDatabase({ databaseUrl: url.toString(), poolSize: 10 });
  const deps = await openRuntime(config, database, (msg, err) => console.error(msg, err));
  const { db } = database;
  const scopeId = deps.scopeId;
  await db
    .insertInto('webhook_endpoints')
    .values({ scope_id: scopeId, url: receiver.url, event_types: ['*'], enabled: true, secret: newSecret() })
    .execute();
  // Real accounts: deliveries are ordered per account.
  const { rows: accounts } = await sql<{ id: string }>`
    INSERT INTO accounts (scope_id, kind, name, number)
    SELECT ${scopeId}, 'business', 'Bench ' || g, 'WB' || g FROM generate_series(1, ${ACCOUNTS}) g
    RETURNING id`.execute(db);
  const version = (await sql<{ server_version: string }>`SHOW server_version`.execute(db)).rows[0]!;
  console.log(
    `Recording ${EVENTS.toLocaleString()} events over ${ACCOUNTS.toLocaleString()} accounts, ${PER_TRANSACTION} ` +
      `per transaction${RATE ? ` at ${RATE}/s` : ''}, delivered to a local receiver (${os.cpus().length} cores, PostgreSQL ` +
      `${version.server_version}, WEBHOOK_CONCURRENCY ${config.webhooks.concurrency})…`,
  );
  if (!backlog) deps.webhooks.start();
  const committedAt: number[] = [];
  const perAccount = new Map<string, number>();
  const startedAt = Date.now();
  for (let written = 0; written < EVENTS;) {
    const count = Math.min(PER_TRANSACTION, EVENTS - written);
    const events = Array.from({ length: count }, (_, k) => {
      const n = written + k;
      const accountId = accounts[n % accounts.length]!.id;
      const i = perAccount.get(accountId) ?? 0;
      perAccount.set(accountId, i + 1);
      return { scopeId, type: 'account.updated' as const, accountId, data: { n, accountId, i } };
    });
    await db.transaction().execute((tx) => recordEvents(tx, events));
    const now = Date.now();
    for (let k = 0; k < count; k++) committedAt[written + k] = now;
    written += count;
    const due = RATE > 0 ? startedAt + (written / RATE) * 1000 : 0;
    if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
  }
  const writeSeconds = (Date.now() - startedAt) / 1000;
  console.log(
    `  recorded in ${writeSeconds.toFixed(1)} s; ${receiver.receivedAt.size.toLocaleString()} delivered meanwhile`,
  );
  const deliveryStarted = Date.now();
  if (backlog) deps.webhooks.start();
  const end = Date.now() + TIMEOUT_MS;
  let lastReport = Date.now();
  while (receiver.receivedAt.size < EVENTS) {
    if (Date.now() > end) throw new Error(`Only ${receiver.receivedAt.size} of ${EVENTS} delivered in time`);
    if (Date.now() - lastReport > 10_000) {
      lastReport = Date.now();
      console.log(`  … ${receiver.receivedAt.size.toLocaleString()} delivered`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  await deps.webhooks.stop();
  const { rows } = await sql<{ status: string; n: number }>`
    SELECT status, count(*)::int AS n FROM webhook_deliveries GROUP BY status ORDER BY status`.execute(db);
  const delays = committedAt.map((c, n) => receiver.receivedAt.get(n)! - c).sort((a, b) => a - b);
  const lastReceipt = Math.max(...receiver.receivedAt.values());
  const from = backlog ? deliveryStarted : startedAt;
  const { deliveries, outOfOrder, connections } = receiver.stats();
  console.log(
    `  received ${deliveries.toLocaleString()} requests on ${connections.toLocaleString()} connections for ` +
      `${receiver.receivedAt.size.toLocaleString()} events ` +
      `(${outOfOrder} out of order within an account); deliveries by status: ` +
      rows.map((r) => `${r.status} ${r.n}`).join(', '),
  );
  console.log(
    `  ${Math.round(EVENTS / ((lastReceipt - from) / 1000)).toLocaleString()} deliveries/s ` +
      `(${EVENTS.toLocaleString()} in ${((lastReceipt - from) / 1000).toFixed(1)} s from the ` +
      `${backlog ? 'start of the sender' : 'first commit'})`,
  );
  const f = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  if (!backlog)
    console.log(
      `  commit → delivery: p50 ${f(percentile(delays, 50))}, p95 ${f(percentile(delays, 95))}, ` +
        `p99 ${f(percentile(delays, 99))}, max ${f(delays.at(-1)!)}`,
    );
  await deps.close();
  await receiver.close();
}
