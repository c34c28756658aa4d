import { sql } from 'kysely';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '../../../test/helpers/database.ts';
import type { Database } from '../db/client.ts';
import { createJobRunner, defineQueue, type JobRunner } from './job-runner.ts';

const batchQueue = defineQueue('test.batch', z.object({ n: z.number() }), {
  retry: { limit: 0, delaySeconds: 1, backoff: false },
});
const dedupeQueue = defineQueue('test.dedupe', z.object({ n: z.number() }));

async function eventually(check: () => Promise<void>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

describe('job runner', () => {
  let database: Database;
  let jobs: JobRunner;

  beforeAll(async () => {
    database = await freshDatabase();
    jobs = createJobRunner(database.db, { queues: [batchQueue, dedupeQueue] as never[] });
    await jobs.start();
  });
  afterAll(async () => {
    await jobs?.stop();
    await database?.close();
  });

  const states = async (name: string) =>
    Object.fromEntries(
      (
        await sql<{ n: number; state: string }>`
          SELECT (data->>'n')::int AS n, state FROM pgboss.job WHERE name = ${name} ORDER BY 1`.execute(
          database.db,
        )
      ).rows.map((r) => [r.n, r.state]),
    );

  it('runs a batch at once, drains a backlog without waiting to poll, and fails only the jobs that threw', async () => {
    for (let n = 0; n < 30; n++) await jobs.send(batchQueue, { n });
    const seen: number[] = [];
    let running = 0;
    let mostAtOnce = 0;
    const started = Date.now();
    await jobs.work(
      batchQueue,
      async ({ n }) => {
        running++;
        mostAtOnce = Math.max(mostAtOnce, running);
        await new Promise((r) => setTimeout(r, 20));
        running--;
        seen.push(n);
        if (n === 7) throw new Error('job 7 fails');
      },
      // A long polling interval: only the immediate fetch after a full batch can drain 30 jobs quickly.
      { pollingIntervalSeconds: 5, batchSize: 10 },
    );
    await eventually(async () => expect(seen).toHaveLength(30));
    expect(Date.now() - started).toBeLessThan(5000);
    expect(mostAtOnce).toBe(10);
    expect([...seen].sort((a, b) => a - b)).toEqual([...Array(30).keys()]);
    await eventually(async () => {
      const byJob = await states('test.batch');
      expect(byJob[7]).toBe('failed');
      for (let n = 0; n < 30; n++) if (n !== 7) expect(byJob[n], `job ${n}`).toBe('completed');
    });
  });

  it('sends one job per singleton key and window', async () => {
    const options = { singletonKey: 'same', singletonSeconds: 300 };
    expect(await jobs.send(dedupeQueue, { n: 1 }, options)).toBeTruthy();
    expect(await jobs.send(dedupeQueue, { n: 2 }, options)).toBeNull();
    expect(
      await jobs.send(dedupeQueue, { n: 3 }, { singletonKey: 'other', singletonSeconds: 300 }),
    ).toBeTruthy();
    expect(Object.keys(await states('test.dedupe'))).toEqual(['1', '3']);
  });
});
