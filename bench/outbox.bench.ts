import { benchDatabase } from './bench-database.ts';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { loadConfig } from '../src/server/config.ts';
import { openDatabase } from '../src/server/db/client.ts';
import { openRuntime } from '../src/server/runtime.ts';
import { startSmtpServer } from '../test/helpers/smtp.ts';

const EMAILS = Number(process.env.BENCH_EMAILS ?? 10_000);
/** Emails per transaction: the app writes one per change, many changes commit at once under load. */
const PER_TRANSACTION = Number(process.env.BENCH_PER_TRANSACTION ?? 100);
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_SECONDS ?? 1800) * 1000;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * Queues emails through the outbox to a local capturing SMTP server (on PostgreSQL, or with `--embedded`
 * on PGlite) and measures delivery:
 * emails/s delivered, and the delay from the commit that wrote an email to the SMTP server's receipt of it.
 */
export async function run(args: string[]): Promise<void> {
  // --backlog writes every email before the workers start: delivery throughput alone, on a full queue.
  const backlog = args.includes('--backlog');
  const smtp = await startSmtpServer({ parse: false });
  // --embedded runs on PGlite in a temporary directory: one session shared by writer and workers.
  const embedded = args.includes('--embedded');
  const work = embedded ? await fs.mkdtemp(path.join(os.tmpdir(), 'clientele-outbox-')) : null;
  let databaseUrl: string | undefined;
  if (!work) {
    // Helpers sharing one server each name their own (BENCH_DATABASE).
    databaseUrl = (await benchDatabase(process.env.BENCH_DATABASE ?? 'clientele_bench_outbox')).url;
  }

  // BENCH_SMTP_OPTIONS adds nodemailer options to SMTP_URL, e.g. `maxConnections=10` or `pool=false`.
  const smtpOptions = process.env.BENCH_SMTP_OPTIONS;
  const config = loadConfig({
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : { DATA_DIR: path.join(work!, 'data') }),
    PUBLIC_URL: 'http://bench.local',
    SMTP_URL: smtpOptions ? `${smtp.url}/?${smtpOptions}` : smtp.url,
    LOG_LEVEL: 'silent',
  });
  const database = databaseUrl
    ? await openDatabase({ databaseUrl, poolSize: 10 })
    : await openDatabase({ dataDir: path.join(work!, 'data') });
  const deps = await openRuntime(config, database, (msg, err) => console.error(msg, err));
  const { db } = database;
  if (!backlog) await deps.delivery!.startWorkers();

  const version = (await sql<{ server_version: string }>`SHOW server_version`.execute(db)).rows[0]!;
  const engine = embedded ? 'embedded PGlite' : 'PostgreSQL';
  console.log(
    `Writing ${EMAILS.toLocaleString()} emails through the outbox, ${PER_TRANSACTION} per transaction, ` +
      `delivered to a local SMTP server (${os.cpus().length} cores, ${engine} ${version.server_version})…`,
  );
  const committedAt = new Map<string, number>();
  const started = performance.now();
  const startedAt = Date.now();
  for (let written = 0; written < EMAILS;) {
    const count = Math.min(PER_TRANSACTION, EMAILS - written);
    const ids = await db.transaction().execute(async (tx) => {
      const batch: string[] = [];
      for (let i = 0; i < count; i++) {
        const n = written + i;
        const id = await deps.outbox.enqueue(tx, {
          scopeId: deps.scopeId,
          templateKey: 'password-reset',
          language: 'en',
          to: `buyer${n}@bench.example`,
          variables: {
            contact: { firstName: `Buyer${n}`, lastName: 'Bench', email: `buyer${n}@bench.example` },
            account: { name: 'Bench Supply', number: 'W1' },
            resetUrl: `http://bench.local/store/reset?token=t${n}`,
            expiresAt: new Date(Date.now() + 3600_000),
          },
        });
        batch.push(id!);
      }
      return batch;
    });
    const now = Date.now();
    for (const id of ids) committedAt.set(id, now);
    written += count;
    // As between two requests: on PGlite a transaction runs in microtasks and lets no timer or socket in.
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  const writeSeconds = (performance.now() - started) / 1000;
  console.log(
    `  written in ${writeSeconds.toFixed(1)} s (${Math.round(EMAILS / writeSeconds).toLocaleString()} emails/s); ` +
      `${smtp.messages.length.toLocaleString()} delivered meanwhile`,
  );

  const deliveryStarted = Date.now();
  if (backlog) await deps.delivery!.startWorkers();
  let lastReport = Date.now();
  const progress = setInterval(() => {
    if (Date.now() - lastReport < 10_000) return;
    lastReport = Date.now();
    console.log(`  … ${smtp.messages.length.toLocaleString()} delivered`);
  }, 1000);
  try {
    await smtp.waitFor(EMAILS, TIMEOUT_MS);
  } finally {
    clearInterval(progress);
  }
  // The last worker may still be recording its attempt; then the log must show every email sent once.
  for (let tries = 0; ; tries++) {
    const { rows } = await sql<{ status: string; n: number }>`
      SELECT status, count(*)::int AS n FROM emails GROUP BY status`.execute(db);
    if (rows.length === 1 && rows[0]!.status === 'sent') break;
    if (tries > 100) throw new Error(`Not all emails are marked sent: ${JSON.stringify(rows)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  await new Promise((r) => setTimeout(r, 1000));

  const messageIds = new Map(
    (await db.selectFrom('emails').select(['id', 'message_id']).execute()).map((r) => [r.message_id, r.id]),
  );
  const counts = smtp.countsByMessageId();
  const duplicates = [...counts.values()].filter((c) => c > 1).length;
  const unknown = [...counts.keys()].filter((k) => !k || !messageIds.has(k)).length;
  const delays: number[] = [];
  for (const message of smtp.messages) {
    const id = messageIds.get(message.messageId ?? '');
    const committed = id && committedAt.get(id);
    if (committed) delays.push(message.receivedAt - committed);
  }
  delays.sort((a, b) => a - b);
  const attempts = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM email_attempts`.execute(db))
    .rows[0]!.n;
  const lastReceipt = Math.max(...smtp.messages.map((m) => m.receivedAt));

  console.log(
    `  delivered ${smtp.messages.length.toLocaleString()} messages (${counts.size.toLocaleString()} distinct Message-IDs, ` +
      `${duplicates} sent twice, ${unknown} unknown; ${attempts.toLocaleString()} attempts recorded)`,
  );
  const from = backlog ? deliveryStarted : startedAt;
  console.log(
    `  ${Math.round(EMAILS / ((lastReceipt - from) / 1000)).toLocaleString()} emails/s delivered ` +
      `(${EMAILS.toLocaleString()} in ${((lastReceipt - from) / 1000).toFixed(1)} s from the ` +
      `${backlog ? 'start of the workers' : 'first commit'})`,
  );
  const f = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  console.log(
    `  delay from commit to delivery: p50 ${f(percentile(delays, 50))}   p95 ${f(percentile(delays, 95))}   ` +
      `p99 ${f(percentile(delays, 99))}   max ${f(delays.at(-1)!)}` +
      (backlog ? '   (including the wait for the workers to start)' : ''),
  );

  await deps.close();
  await smtp.close();
  if (work) await fs.rm(work, { recursive: true, force: true });
  if (duplicates || unknown || delays.length !== EMAILS) process.exitCode = 1;
}
