import { sql } from 'kysely';
import type { Db } from '../../db/client.ts';

/**
 * What authentication notices on the way (an API key used, a session renewed), written later: at most
 * once per interval for each key or session, all of them in one statement per table, never on a
 * request's path. Pending writes are flushed by a timer and on close.
 */
export type UsageWriter = {
  /** The key was used now; its `last_used_at` is written at the next flush. */
  keyUsed(keyId: string): void;
  /** The session (by token hash) now runs until `expiresAt`; written at the next flush. */
  sessionRenewed(tokenHash: string, expiresAt: Date): void;
  /** Writes what is pending now (tests call it; the timer and close do). */
  flush(): Promise<void>;
  /** Stops the timer and writes what is pending. */
  close(): Promise<void>;
  /** How long a write may wait: a renewal is deferred only for a session that lives longer than this. */
  readonly intervalMs: number;
};

const iso = (times: Map<string, Date>) => [...times.values()].map((t) => t.toISOString());

export function createUsageWriter(
  db: Db,
  options: { intervalMs?: number; log?: (msg: string, err?: unknown) => void } = {},
): UsageWriter {
  const intervalMs = options.intervalMs ?? 60_000;
  let keys = new Map<string, Date>();
  let sessions = new Map<string, Date>();
  let flushing: Promise<void> = Promise.resolve();

  const write = async () => {
    const [usedKeys, renewed] = [keys, sessions];
    keys = new Map();
    sessions = new Map();
    try {
      if (usedKeys.size)
        await sql`UPDATE api_keys k SET last_used_at = u.at
          FROM unnest(${[...usedKeys.keys()]}::uuid[], ${iso(usedKeys)}::timestamptz[]) AS u(id, at)
          WHERE k.id = u.id AND (k.last_used_at IS NULL OR k.last_used_at < u.at)`.execute(db);
      // Only lengthens a session that is still running: a signed-out (deleted) or expired one stays ended.
      if (renewed.size)
        await sql`UPDATE sessions s SET expires_at = u.expires_at
          FROM unnest(${[...renewed.keys()]}::text[], ${iso(renewed)}::timestamptz[]) AS u(token_hash, expires_at)
          WHERE s.token_hash = u.token_hash AND s.expires_at > now() AND s.expires_at < u.expires_at`.execute(
          db,
        );
    } catch (err) {
      // Kept for the next flush, unless something newer arrived meanwhile.
      for (const [id, at] of usedKeys) if (!keys.has(id)) keys.set(id, at);
      for (const [hash, at] of renewed) if (!sessions.has(hash)) sessions.set(hash, at);
      options.log?.('writing API key use and session renewals failed', err);
    }
  };
  const flush = () => {
    flushing = flushing.then(write);
    return flushing;
  };
  const timer = setInterval(() => void flush(), intervalMs);
  timer.unref();

  return {
    intervalMs,
    keyUsed: (keyId) => void keys.set(keyId, new Date()),
    sessionRenewed: (tokenHash, expiresAt) => void sessions.set(tokenHash, expiresAt),
    flush,
    async close() {
      clearInterval(timer);
      await flush();
    },
  };
}
