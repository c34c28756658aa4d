import { sql } from 'kysely';
import type { Executor } from '../../src/server/db/client.ts';

/** Waits until no job of `queue` is waiting, retrying or running (pg-boss's own table), then returns. */
export async function jobsSettled(db: Executor, queue: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await sql<{ open: number }>`SELECT count(*)::int AS open FROM pgboss.job
      WHERE name = ${queue} AND state IN ('created', 'retry', 'active')`.execute(db);
    if (rows[0]!.open === 0) return;
    if (Date.now() > deadline) throw new Error(`${rows[0]!.open} ${queue} jobs still open`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
