import type { Config } from './config.ts';
import { openDatabase, type Database } from './db/client.ts';
import { migrateToLatest } from './db/migrate.ts';
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

/**
 * The embedded database. A fresh data directory is created by `serve` in a child process
 * (`db/prepare-embedded.ts`) so that initdb's and the migrations' memory leaves with it; commands and
 * tests that meet a fresh directory create it here.
 */
function openEmbedded(dataDir: string, sharedBuffersMb: number): Promise<Database> {
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
      { ...config.webhooks, publicUrl: config.publicUrl, databaseUrl: db.url },
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
