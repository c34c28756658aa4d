import type { ChildProcess } from 'node:child_process';
import { buildApp } from './app.ts';
import type { Config } from './config.ts';
import type { App, AppDeps } from './deps.ts';
import { startAccountRequestWorker } from './modules/auth/account-requests.job.ts';
import { ensureFirstAdministrator } from './modules/auth/bootstrap.ts';
import { purgeExpiredRateLimits } from './http/rate-limits.ts';
import { isDatabaseUnavailable } from './lib/errors.ts';
import { purgeExpiredSessions } from './modules/auth/sessions.ts';
import { openRuntime } from './runtime.ts';
import { isFreshDataDir, prepareEmbeddedInChild } from './db/prepare-embedded.ts';

// Orchestrators send SIGKILL after 10 s (Docker, systemd's default is 90 s): exit on our own before that.
const SHUTDOWN_DEADLINE_MS = 8_000;

type Logger = { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };

/**
 * Opens the runtime; while its database does not answer, says so in one line and tries again (1 s,
 * doubling up to 30 s): an instance started before its database comes up waits for it, and only
 * SIGTERM/SIGINT end the wait.
 */
async function openWhenReachable(
  config: Config,
  log: (msg: string, err?: unknown) => void,
): Promise<AppDeps> {
  let child: ChildProcess | undefined;
  // SIGTERM while a child creates the embedded database ends the child too.
  const stopWaiting = () => {
    child?.kill('SIGTERM');
    process.exit(0);
  };
  process.once('SIGTERM', stopWaiting);
  process.once('SIGINT', stopWaiting);
  try {
    if (!config.databaseUrl && isFreshDataDir(config.dataDir))
      await prepareEmbeddedInChild((c) => (child = c));
    for (let waitMs = 1000; ; waitMs = Math.min(waitMs * 2, 30_000)) {
      try {
        return await openRuntime(config, undefined, log);
      } catch (err) {
        if (!isDatabaseUnavailable(err)) throw err;
        const { message, code } = err as { message?: string; code?: string };
        console.error(
          `clientele: the database is not reachable (${message || code}); trying again in ${waitMs / 1000} s`,
        );
        await new Promise((r) => setTimeout(r, waitMs));
      }
    }
  } finally {
    process.off('SIGTERM', stopWaiting);
    process.off('SIGINT', stopWaiting);
  }
}

/** Starts the HTTP server and stops it cleanly on SIGTERM/SIGINT; a fault (lost database, a bug) never ends it. */
export async function serve(config: Config): Promise<void> {
  let logger: Logger = {
    warn: (obj, msg) => console.error(msg, obj),
    error: (obj, msg) => console.error(msg, obj),
  };
  // A lost database connection is a fault the instance rides out (warn); anything else is a bug (error).
  const log = (msg: string, err?: unknown) =>
    isDatabaseUnavailable(err) ? logger.warn({ err }, msg) : logger.error({ err }, msg);
  // Last resort: a rejection or 'error' event no code path handled. Logged, and the instance stays up:
  // requests are independent, and jobs whose completion was lost run again after their expiry.
  const onRejection = (reason: unknown) => log('unhandled promise rejection', reason);
  const onException = (err: unknown) => log('uncaught exception', err);
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  // A failed start must still end the process: the handlers above (or an open pool) would keep it alive.
  const abandonStart = (err: unknown): never => {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
    throw err;
  };

  const deps = await openWhenReachable(config, log).catch(abandonStart);
  let app: App;
  try {
    app = await buildApp(deps, { logger: { level: config.logLevel } });
    logger = app.log;
    if (deps.delivery) await deps.delivery.startWorkers();
    await deps.imports.startWorkers();
    deps.webhooks.start();
    await startAccountRequestWorker(deps);
    await ensureFirstAdministrator(
      deps.database.db,
      {
        scopeId: deps.scopeId,
        adminEmail: config.adminEmail,
        adminPassword: config.adminPassword,
        publicUrl: config.publicUrl,
      },
      // Plain text on stdout, so the setup link can be read and copied from a terminal.
      (message) => console.log(message),
    );
    await app.listen({ port: config.port, host: config.host });
  } catch (err) {
    await deps.close().catch(() => {});
    return abandonStart(err);
  }

  const purgeExpired = async () => {
    await purgeExpiredSessions(deps.database.db);
    await purgeExpiredRateLimits(deps.database.db);
  };
  const purge = setInterval(
    () => void purgeExpired().catch((err: unknown) => log('purging expired sessions failed', err)),
    3600_000,
  );
  purge.unref();

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info(`${signal} received: finishing requests and closing the database`);
    // Whatever still hangs (a request, a statement), a stop request must end the process in time.
    setTimeout(() => {
      app.log.error(
        `Not closed cleanly within ${SHUTDOWN_DEADLINE_MS / 1000} s of ${signal}: exiting anyway`,
      );
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    clearInterval(purge);
    try {
      // A running import stops at its next batch boundary and resumes from there on the next start.
      await app.close();
      await deps.close();
    } catch (err) {
      log('closing failed', err);
      process.exit(1);
    }
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));

  app.log.info(
    deps.delivery
      ? 'Emails are delivered over SMTP (SMTP_URL).'
      : 'SMTP_URL is not set: emails are kept in the email log (status captured) and not sent.',
  );
  app.log.info(
    `Clientele is ready at ${config.publicUrl} (${deps.database.kind === 'pglite' ? `embedded database in ${config.dataDir}` : 'PostgreSQL'})`,
  );
}
