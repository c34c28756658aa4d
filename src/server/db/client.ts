import { Kysely, PostgresDialect, type Transaction } from 'kysely';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { unaccent } from '@electric-sql/pglite/contrib/unaccent';
import { PGliteDialect } from './pglite-dialect.ts';
import { lockDataDir } from './lock.ts';
import type { DB } from './schema.ts';

export type Db = Kysely<DB>;
export type Tx = Transaction<DB>;
/** Either the database or a transaction on it: services take this so callers choose the boundary. */
export type Executor = Kysely<DB>;

export type Database = {
  db: Db;
  kind: 'pglite' | 'postgres';
  close(): Promise<void>;
};

export type DatabaseOptions =
  | { databaseUrl: string; poolSize?: number; onIdleError?: (err: Error) => void }
  | { dataDir: string; lock?: boolean }
  | { pglite: PGlite };

export const pgliteExtensions = { pg_trgm, unaccent };

// JSON columns as strings in, objects out; int8 counts as numbers, not strings.
pg.types.setTypeParser(20, (v) => Number(v));

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if ('databaseUrl' in options) {
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: options.poolSize ?? 10 });
    // An idle connection the server ends (restart, failover, a dropped database) must not crash the
    // process; the pool replaces it on the next query.
    pool.on('error', (err) => options.onIdleError?.(err));
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    return { db, kind: 'postgres', close: () => db.destroy() };
  }
  if ('pglite' in options) {
    const db = new Kysely<DB>({ dialect: new PGliteDialect(options.pglite) });
    return { db, kind: 'pglite', close: () => db.destroy() };
  }
  const unlock = options.lock === false ? async () => {} : await lockDataDir(options.dataDir);
  try {
    const client = await PGlite.create(`${options.dataDir}/pgdata`, { extensions: pgliteExtensions });
    const db = new Kysely<DB>({ dialect: new PGliteDialect(client) });
    return {
      db,
      kind: 'pglite',
      close: async () => {
        await db.destroy();
        await unlock();
      },
    };
  } catch (err) {
    await unlock();
    throw err;
  }
}
