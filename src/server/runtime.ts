import type { Config } from './config.ts';
import { openDatabase, type Database } from './db/client.ts';
import { migrateToLatest } from './db/migrate.ts';
import type { AppDeps } from './deps.ts';
import { createOutbox } from './email/outbox.ts';

/** Opens the configured database (embedded or PostgreSQL), brings its schema up to date, and wires the deps. */
export async function openRuntime(config: Config, database?: Database): Promise<AppDeps> {
  const db =
    database ??
    (config.databaseUrl
      ? await openDatabase({ databaseUrl: config.databaseUrl })
      : await openDatabase({ dataDir: config.dataDir }));
  try {
    await migrateToLatest(db.db);
    const scope = await db.db
      .selectFrom('scopes')
      .select('id')
      .where('key', '=', 'default')
      .executeTakeFirstOrThrow();
    return {
      database: db,
      config,
      scopeId: scope.id,
      outbox: createOutbox({ publicUrl: config.publicUrl, deliver: false }),
    };
  } catch (err) {
    await db.close();
    throw err;
  }
}
