import { sql } from 'kysely';
import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { Executor } from '../db/client.ts';
import { purgeOldSignInFailures } from '../modules/auth/sign-in-guard.ts';

/** How many hits a key has in its current window, and the milliseconds left of that window. */
export type Hits = { current: number; ttl: number };

/**
 * Counts one hit on `key`: a window of `windowMs` starts with the first hit and ends on its own.
 * In the database, so every instance counts toward the same limit.
 */
export async function countHit(db: Executor, key: string, windowMs: number): Promise<Hits> {
  const { rows } = await sql<Hits>`INSERT INTO rate_limits AS r (key, count, reset_at)
      VALUES (${key}, 1, now() + make_interval(secs => ${windowMs / 1000}))
    ON CONFLICT (key) DO UPDATE SET
      count = CASE WHEN r.reset_at <= now() THEN 1 ELSE r.count + 1 END,
      reset_at = CASE WHEN r.reset_at <= now() THEN excluded.reset_at ELSE r.reset_at END
    RETURNING count AS current, ceil(extract(epoch FROM r.reset_at - now()) * 1000)::int AS ttl`.execute(db);
  return rows[0]!;
}

/** The hits of `key`'s current window, without counting one. */
export async function readHits(db: Executor, key: string): Promise<Hits> {
  const { rows } = await sql<Hits>`SELECT count AS current,
      ceil(extract(epoch FROM reset_at - now()) * 1000)::int AS ttl
    FROM rate_limits WHERE key = ${key} AND reset_at > now()`.execute(db);
  return rows[0] ?? { current: 0, ttl: 0 };
}

/** Ended windows, and failed sign-ins old enough to count for nothing (run hourly). */
export async function purgeExpiredRateLimits(db: Executor): Promise<void> {
  await db
    .deleteFrom('rate_limits')
    .where('reset_at', '<=', sql<Date>`now()`)
    .execute();
  await purgeOldSignInFailures(db);
}

type Callback = (err: Error | null, hits?: Hits) => void;
type ChildOptions = Parameters<FastifyRateLimitStore['child']>[0];

/**
 * A store for @fastify/rate-limit over `countHit`; its built-in stores are per process (memory) or Redis,
 * and Clientele's only shared service is its database. One key space per route, like theirs.
 */
export function databaseRateLimitStore(db: Executor): FastifyRateLimitStoreCtor {
  return class DatabaseRateLimitStore implements FastifyRateLimitStore {
    private readonly prefix: string;
    constructor(_options?: unknown, prefix = 'http:') {
      this.prefix = prefix;
    }
    incr(key: string, done: Callback, timeWindow: number): void {
      countHit(db, this.prefix + key, timeWindow).then((hits) => done(null, hits), done);
    }
    read(key: string, done: Callback): void {
      readHits(db, this.prefix + key).then((hits) => done(null, hits), done);
    }
    child(options: ChildOptions) {
      // The plugin passes its merged settings with the route under `routeInfo` (its typings say otherwise).
      const route = (options as { routeInfo?: { method?: unknown; url?: unknown } }).routeInfo ?? options;
      return new DatabaseRateLimitStore(options, `http:${String(route.method)} ${String(route.url)}:`);
    }
  };
}
