import { AsyncLocalStorage } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';
import {
  CompiledQuery,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';
import type { PGlite } from '@electric-sql/pglite';

// bytea as hex text through Buffer's native codec: PGlite's own maps each byte to a string and back, ~250 ms
// per MiB each way (an import's uploaded file is kept in the database in 1 MiB chunks).
const BYTEA = 17;
const byteaCodec = {
  parsers: { [BYTEA]: (hex: string) => Buffer.from(hex.slice(2), 'hex') },
  serializers: {
    [BYTEA]: (value: unknown) => {
      if (!(value instanceof Uint8Array)) throw new Error('Invalid input for bytea type');
      return `\\x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`;
    },
  },
};

// Statements follow each other in microtasks: while they do, no timer fires and no socket is read. After this
// long without a turn of the event loop, the next statement waits for one (SMTP replies, HTTP requests).
const MAX_TURN_MS = 20;
let turnStarted = performance.now();
let turnNoted = false;
async function letTheLoopTurn() {
  if (!turnNoted) {
    turnNoted = true;
    setImmediate(() => {
      turnNoted = false;
      turnStarted = performance.now();
    });
  }
  if (performance.now() - turnStarted > MAX_TURN_MS) await new Promise((resolve) => setImmediate(resolve));
}

// Our own small driver: migrations need multi-statement scripts (PGlite's exec), which the
// published dialect does not send, and PGlite's single session must be handed out one at a time.
class PGliteConnection implements DatabaseConnection {
  constructor(private readonly client: PGlite) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    await letTheLoopTurn();
    if (query.parameters.length === 0) {
      const results = await this.client.exec(query.sql, byteaCodec);
      const last = results[results.length - 1];
      return {
        rows: (last?.rows ?? []) as R[],
        numAffectedRows: last?.affectedRows !== undefined ? BigInt(last.affectedRows) : undefined,
      };
    }
    const result = await this.client.query<R>(query.sql, [...query.parameters], byteaCodec);
    return {
      rows: result.rows,
      numAffectedRows: result.affectedRows !== undefined ? BigInt(result.affectedRows) : undefined,
    };
  }

  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('Streaming queries are not supported on the embedded database');
  }
}

// Work marked as background (a long import) yields the one session to everything else.
const background = new AsyncLocalStorage<true>();

/**
 * Runs `work` as background work: on the embedded database its queries and transactions get the
 * session only when no other query is waiting for it, so HTTP requests answer between an import's batches.
 */
export function inBackground<T>(work: () => Promise<T>): Promise<T> {
  return background.run(true, work);
}

// A waiting background query still gets its turn after this many other queries went first.
const MAX_OVERTAKES = 16;

class PGliteDriver implements Driver {
  private readonly connection: PGliteConnection;
  private busy = false;
  private readonly waiting: Array<() => void> = [];
  private readonly waitingBackground: Array<() => void> = [];
  private overtakes = 0;
  private grantScheduled = false;

  constructor(private readonly client: PGlite) {
    this.connection = new PGliteConnection(client);
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    if (background.getStore()) {
      await new Promise<void>((resolve) => {
        this.waitingBackground.push(resolve);
        this.scheduleBackgroundGrant();
      });
    } else if (this.busy || this.starved()) {
      // First come, first served: a query queued during a transaction runs before anything queued after it.
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      if (this.waitingBackground.length) this.overtakes++;
      this.busy = true;
    }
    return this.connection;
  }

  async releaseConnection(): Promise<void> {
    const starved = this.starved();
    const next = starved ? undefined : this.waiting.shift();
    if (next) {
      if (this.waitingBackground.length) this.overtakes++;
      next();
    } else if (starved) {
      this.overtakes = 0;
      this.waitingBackground.shift()!();
    } else {
      this.busy = false;
      this.scheduleBackgroundGrant();
    }
  }

  private starved(): boolean {
    return this.waitingBackground.length > 0 && this.overtakes >= MAX_OVERTAKES;
  }

  /**
   * Background work gets a free session one turn of the event loop later: a request between two of its
   * queries (authenticated, now searching) asks again within that turn and goes first.
   */
  private scheduleBackgroundGrant() {
    if (this.grantScheduled || this.busy || !this.waitingBackground.length) return;
    this.grantScheduled = true;
    setImmediate(() => {
      this.grantScheduled = false;
      if (this.busy || !this.waitingBackground.length) return;
      this.busy = true;
      this.overtakes = 0;
      this.waitingBackground.shift()!();
    });
  }

  async beginTransaction(conn: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const level = settings.isolationLevel ? ` isolation level ${settings.isolationLevel}` : '';
    await conn.executeQuery(CompiledQuery.raw(`begin${level}`));
  }

  async commitTransaction(conn: DatabaseConnection): Promise<void> {
    await conn.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(conn: DatabaseConnection): Promise<void> {
    await conn.executeQuery(CompiledQuery.raw('rollback'));
  }

  async destroy(): Promise<void> {
    await this.client.close();
  }
}

export class PGliteDialect implements Dialect {
  constructor(private readonly client: PGlite) {}
  createAdapter() {
    return new PostgresAdapter();
  }
  createDriver() {
    return new PGliteDriver(this.client);
  }
  createQueryCompiler() {
    return new PostgresQueryCompiler();
  }
  createIntrospector(db: Kysely<unknown>) {
    return new PostgresIntrospector(db);
  }
}
