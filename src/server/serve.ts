import { buildApp } from './app.ts';
import type { Config } from './config.ts';
import { startAccountRequestWorker } from './modules/auth/account-requests.job.ts';
import { ensureFirstAdministrator } from './modules/auth/bootstrap.ts';
import { purgeExpiredRateLimits } from './http/rate-limits.ts';
import { purgeExpiredSessions } from './modules/auth/sessions.ts';
import { openRuntime } from './runtime.ts';

/** Starts the HTTP server and stops it cleanly on SIGTERM/SIGINT. */
export async function serve(config: Config): Promise<void> {
  let log: (msg: string, err?: unknown) => void = (msg, err) => console.error(msg, err ?? '');
  const deps = await openRuntime(config, undefined, (msg, err) => log(msg, err));
  const app = await buildApp(deps, { logger: { level: config.logLevel } });
  log = (msg, err) => app.log.error({ err }, msg);
  if (deps.delivery) await deps.delivery.startWorkers();
  await deps.imports.startWorkers();
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
  const purgeExpired = async () => {
    await purgeExpiredSessions(deps.database.db);
    await purgeExpiredRateLimits(deps.database.db);
  };
  const purge = setInterval(() => void purgeExpired().catch(() => {}), 3600_000);
  purge.unref();

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info(`${signal} received: finishing requests and closing the database`);
    clearInterval(purge);
    await app.close();
    await deps.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));

  await app.listen({ port: config.port, host: config.host });
  app.log.info(
    deps.delivery
      ? 'Emails are delivered over SMTP (SMTP_URL).'
      : 'SMTP_URL is not set: emails are kept in the email log (status captured) and not sent.',
  );
  app.log.info(
    `Clientele is ready at ${config.publicUrl} (${deps.database.kind === 'pglite' ? `embedded database in ${config.dataDir}` : 'PostgreSQL'})`,
  );
}
