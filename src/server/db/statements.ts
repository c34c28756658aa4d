import {
  CompiledQuery,
  type Compilable,
  type PostgresCursor,
  type PostgresPool,
  type PostgresPoolClient,
  type PostgresQueryResult,
} from 'kysely';
import type pg from 'pg';
import type { Executor } from './client.ts';

/**
 * Statements PostgreSQL prepares once per connection, by name (SQL text → name): the hot paths'
 * statements, few and bounded, whose generic plan is as good as a fresh one. Only `statement` and
 * `prepared` add to it.
 */
const preparedNames = new Map<string, string>();

/** How many texts `prepared` may add: each costs 50–200 KB of plan in every connection that runs it. */
const MAX_VARIANTS = 24;
let variants = 0;

const nameNext = (sql: string) => preparedNames.set(sql, `clt_${preparedNames.size + 1}`);

/**
 * Marks a hot statement whose text varies a little with the request (which parts it has, how many rows)
 * to run prepared, like a `statement`: the first MAX_VARIANTS texts seen are; later ones run unnamed.
 */
export function prepared<R>(query: CompiledQuery<R>): CompiledQuery<R> {
  if (variants < MAX_VARIANTS && !preparedNames.has(query.sql)) {
    variants++;
    nameNext(query.sql);
  }
  return query;
}

/** A named parameter of a `statement`, until a call gives its value. */
class Placeholder {
  constructor(readonly key: string) {}
}

/**
 * A query built and compiled once, its named parameters bound on each call, and prepared by name on
 * PostgreSQL: a request then skips Kysely's building and compiling and PostgreSQL's parsing and
 * planning (most of a small read's cost). `build` must not depend on the values (it sees placeholders)
 * and must name its columns: a prepared `SELECT *` fails once a column is added to the table.
 */
export function statement<P extends Record<string, unknown>, R>(
  build: (db: Executor, params: P) => Compilable<R>,
): (db: Executor, params: P) => Promise<R[]> {
  let compiled: { sql: string; parameters: readonly unknown[] } | undefined;
  return async (db, params) => {
    if (!compiled) {
      const placeholders = new Proxy({}, { get: (_, key) => new Placeholder(String(key)) }) as P;
      compiled = build(db, placeholders).compile();
      nameNext(compiled.sql);
    }
    const parameters = compiled.parameters.map((p) => (p instanceof Placeholder ? params[p.key] : p));
    return (await db.executeQuery<R>(CompiledQuery.raw(compiled.sql, parameters))).rows;
  };
}

/**
 * pg's pool as Kysely takes it, each connection running the `statement`s' SQL as named (prepared)
 * statements; everything else goes through unchanged.
 */
export function preparingPool(pool: pg.Pool): PostgresPool {
  const wrappers = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  const wrap = (client: pg.PoolClient): PostgresPoolClient => {
    function query<R>(sql: string, parameters: readonly unknown[]): Promise<PostgresQueryResult<R>>;
    function query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>;
    function query(text: string | PostgresCursor<unknown>, values?: readonly unknown[]): unknown {
      // A cursor (Kysely's streams) goes through as it is.
      if (typeof text !== 'string') return client.query(text as unknown as pg.Submittable);
      const name = preparedNames.get(text);
      // The text form when unnamed: pg copies a config object property by property.
      return name ? client.query({ name, text, values: [...values!] }) : client.query(text, [...values!]);
    }
    return { query, release: () => client.release() };
  };
  return {
    connect: async () => {
      const client = await pool.connect();
      let wrapper = wrappers.get(client);
      if (!wrapper) wrappers.set(client, (wrapper = wrap(client)));
      return wrapper;
    },
    end: () => pool.end(),
  };
}
