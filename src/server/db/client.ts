import { Kysely, PostgresDialect, type KyselyConfig, type Transaction } from 'kysely';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { unaccent } from '@electric-sql/pglite/contrib/unaccent';
import { PGliteDialect } from './pglite-dialect.ts';
import { lockDataDir } from './lock.ts';
import { preparingPool } from './statements.ts';
import type { DB } from './schema.ts';

export type Db = Kysely<DB>;
export type Tx = Transaction<DB>;
/** Either the database or a transaction on it: services take this so callers choose the boundary. */
export type Executor = Kysely<DB>;

/** Runs `work` in the caller's transaction when there is one, else in its own: use cases compose into one. */
export function inTransaction<T>(db: Executor, work: (tx: Executor) => Promise<T>): Promise<T> {
  return db.isTransaction ? work(db) : db.transaction().execute(work);
}

export type Database = {
  db: Db;
  kind: 'pglite' | 'postgres';
  /** PostgreSQL's connection string: for a connection of its own that LISTENs (webhook-wake.ts). */
  url?: string;
  close(): Promise<void>;
};

/** Told the text of every statement the database runs (BEGIN and COMMIT included); tests count them. */
export type StatementListener = (sql: string) => void;

export type DatabaseOptions = (
  | {
      databaseUrl: string;
      poolSize?: number;
      /** Waiting longer than this for a connection (new, or free in the pool) fails the query; default 5 s. */
      connectTimeoutMs?: number;
      /** A connection the server ended or lost (restart, failover, pg_terminate_backend, network). */
      onConnectionError?: (err: Error) => void;
    }
  | {
      dataDir: string;
      lock?: boolean;
      /**
       * PGlite's shared_buffers in MiB (default 16): PostgreSQL's 128 MB default is touched at start and
       * lives in WebAssembly memory, which never shrinks; the OS page cache holds the files anyway.
       */
      sharedBuffersMb?: number;
    }
  | { pglite: PGlite }
) & {
  /** Off unless given: without it Kysely runs no logging wrapper at all. */
  onStatement?: StatementListener;
};

function kyselyOptions(options: DatabaseOptions): Pick<KyselyConfig, 'log'> {
  const listen = options.onStatement;
  return listen ? { log: (event) => listen(event.query.sql) } : {};
}

export const pgliteExtensions = { pg_trgm, unaccent };

/** What the server opens PGlite with (benchmarks open it the same way). */
export const embeddedOptions = (sharedBuffersMb = 16) => ({
  extensions: pgliteExtensions,
  postgresqlconf: [`shared_buffers=${sharedBuffersMb}MB`],
});

// JSON columns as strings in, objects out; int8 counts as numbers, not strings.
pg.types.setTypeParser(20, (v) => Number(v));

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if ('databaseUrl' in options) {
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: options.poolSize ?? 10,
      // Without it a query waits forever for a server that is gone, or for a pool that never frees up.
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
      // TCP keepalive probes idle connections after 10 s (not the kernel's 2 hours), so a server that vanished
      // without closing them (a cut network, a failover) is noticed and the connection discarded.
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
    });
    // A connection the server ends emits 'error': with no listener that is an uncaught exception, which
    // ends the process. Idle ones are replaced by the pool; one in use fails its query and is discarded
    // when released (pg-pool drops clients that are no longer queryable).
    pool.on('connect', (client) => client.on('error', (err) => options.onConnectionError?.(err)));
    // pg-pool re-emits an idle connection's error here; the connection's own listener has reported it.
    pool.on('error', () => {});
    const db = new Kysely<DB>({
      dialect: new PostgresDialect({ pool: preparingPool(pool) }),
      ...kyselyOptions(options),
    });
    return { db, kind: 'postgres', url: options.databaseUrl, close: () => db.destroy() };
  }
  if ('pglite' in options) {
    const db = new Kysely<DB>({ dialect: new PGliteDialect(options.pglite), ...kyselyOptions(options) });
    return { db, kind: 'pglite', close: () => db.destroy() };
  }
  const unlock = options.lock === false ? async () => {} : await lockDataDir(options.dataDir);
  try {
    const client = await PGlite.create(`${options.dataDir}/pgdata`, embeddedOptions(options.sharedBuffersMb));
    const db = new Kysely<DB>({ dialect: new PGliteDialect(client), ...kyselyOptions(options) });
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
