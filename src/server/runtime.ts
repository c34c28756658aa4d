import v8 from 'node:v8';
import vm from 'node:vm';
import type { Config } from './config.ts';
import { openDatabase, type Database } from './db/client.ts';
import { migrateToLatest } from './db/migrate.ts';
import { isFreshDataDir } from './db/prepare-embedded.ts';
import type { AppDeps } from './deps.ts';
import { createEmailDelivery, defaultRetryDelay } from './email/delivery.ts';
import { createOutbox } from './email/outbox.ts';
import { createJobRunner, type JobQueue } from './jobs/job-runner.ts';
import { runDueSchedules } from './modules/imports/schedules.service.ts';
import { createUsageWriter } from './modules/auth/usage-writer.ts';
import { accountRequestQueue } from './modules/auth/account-requests.job.ts';
import { createWebhookSender } from './modules/webhooks/index.ts';
import { createImportRunner, runImportQueue, sweepImportsQueue } from './modules/imports/import-runner.ts';

export const QUEUES = [runImportQueue, sweepImportsQueue, accountRequestQueue] as JobQueue<never>[];

/** A full garbage collection, also when node runs without --expose-gc. */
function collectGarbage(): void {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
}

/**
 * On a fresh data directory, initdb and the migrations run in an instance of their own that is closed
 * before the server's opens: PGlite's WebAssembly memory only grows, and what they used (hundreds of
 * MiB) would otherwise stay with the process for its life. Once closed it is garbage like any other.
 */
async function openEmbedded(dataDir: string, sharedBuffersMb: number): Promise<Database> {
  if (isFreshDataDir(dataDir)) {
    const first = await openDatabase({ dataDir, sharedBuffersMb });
    try {
      await migrateToLatest(first.db);
    } finally {
      await first.close();
    }
    // Nothing else allocates much at start, so no collection would come soon to unmap the closed
    // instance's memory (and initdb's, hundreds of MiB); ask for one.
    collectGarbage();
  }
  return openDatabase({ dataDir, sharedBuffersMb });
}

/**
 * The composition root: opens the configured database (embedded or PostgreSQL), brings its schema up
 * to date, starts the job runner and wires the modules' dependencies.
 */
export async function openRuntime(
  config: Config,
  database?: Database,
  log: (msg: string, err?: unknown) => void = () => {},
): Promise<AppDeps> {
  const db =
    database ??
    (config.databaseUrl
      ? await openDatabase({
          databaseUrl: config.databaseUrl,
          connectTimeoutMs: config.databaseConnectTimeoutMs,
          onConnectionError: (err) => log('database connection lost', err),
        })
      : await openEmbedded(config.dataDir, config.embeddedSharedBuffersMb));
  try {
    await migrateToLatest(db.db);
    const scope = await db.db
      .selectFrom('scopes')
      .select('id')
      .where('key', '=', 'default')
      .executeTakeFirstOrThrow();
    const jobs = createJobRunner(db.db, { queues: QUEUES, log });
    await jobs.start();
    const delivery = config.smtpUrl
      ? createEmailDelivery(db.db, {
          smtpUrl: config.smtpUrl,
          defaultFrom: config.emailFrom,
          horizonMs: config.emailRetryHorizonMs,
          leaseMs: config.emailLeaseMs,
          retryDelayMs: defaultRetryDelay,
          log,
        })
      : null;
    // Emails were delivered by a pg-boss job each, with a sweeper on a schedule; the table is the queue now.
    await jobs.unschedule('email.sweep');
    const outbox = createOutbox({ publicUrl: config.publicUrl, delivery });
    const imports = createImportRunner(
      db.db,
      jobs,
      {
        db: db.db,
        outbox,
        publicUrl: config.publicUrl,
        activationTtlMs: config.activationTtlMs,
        passwordResetTtlMs: config.passwordResetTtlMs,
      },
      {
        leaseMs: config.imports.leaseMs,
        batchRows: config.imports.batchRows,
        applyWorkers: db.kind === 'pglite' ? 1 : config.imports.applyWorkers,
        // The embedded database has one session: an import holds it a slice at a time (250 ms; requests
        // waiting go first between its statements), then lets requests in. 100 ms cost half the rate.
        sliceMs: db.kind === 'pglite' ? config.imports.sliceMs : undefined,
        onSweep: () => runDueSchedules({ db: db.db, jobs, config: config.imports }, log),
      },
    );
    const usage = createUsageWriter(db.db, { log });
    const webhooks = createWebhookSender(
      db.db,
      outbox,
      { ...config.webhooks, publicUrl: config.publicUrl },
      log,
    );
    return {
      database: db,
      usage,
      config,
      scopeId: scope.id,
      jobs,
      delivery,
      outbox,
      imports,
      webhooks,
      async close() {
        await webhooks.stop();
        // Imports first: they stop at a batch boundary, so the job runner's graceful stop finds nothing running.
        await imports.stop();
        await delivery?.stop();
        await jobs.stop();
        delivery?.close();
        await usage.close();
        await db.close();
      },
    };
  } catch (err) {
    await db.close();
    throw err;
  }
}
