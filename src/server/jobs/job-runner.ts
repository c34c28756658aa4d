import PgBoss from 'pg-boss';
import { CompiledQuery } from 'kysely';
import type { z } from 'zod';
import type { Executor } from '../db/client.ts';

/** A named queue with the schema of its payload and its retry policy. */
export type JobQueue<T> = {
  name: string;
  payload: z.ZodType<T>;
  /** How often a failing job is tried again, and how long a worker may hold it before it counts as crashed. */
  retry: { limit: number; delaySeconds: number; backoff: boolean };
  expireInSeconds: number;
};

export function defineQueue<T>(
  name: string,
  payload: z.ZodType<T>,
  options: Partial<Pick<JobQueue<T>, 'retry' | 'expireInSeconds'>> = {},
): JobQueue<T> {
  return {
    name,
    payload,
    retry: options.retry ?? { limit: 5, delaySeconds: 30, backoff: true },
    expireInSeconds: options.expireInSeconds ?? 15 * 60,
  };
}

export type SendOptions = {
  /** Send inside this transaction: the job exists only if it commits. */
  db?: Executor;
  startAfter?: Date;
  /**
   * With `singletonSeconds`, at most one job with this key is sent per window of that many seconds
   * (pg-boss ignores a key alone on a standard queue).
   */
  singletonKey?: string;
  singletonSeconds?: number;
};

export type JobRunner = {
  start(): Promise<void>;
  stop(): Promise<void>;
  send<T>(queue: JobQueue<T>, payload: T, options?: SendOptions): Promise<string | null>;
  /**
   * Runs `handler` for the queue's jobs: up to `batchSize` at once (default 1), each completing or failing
   * on its own. A full batch is followed by the next fetch at once, so a backlog drains without waiting
   * for the polling interval.
   */
  work<T>(
    queue: JobQueue<T>,
    handler: (payload: T) => Promise<void>,
    options?: { pollingIntervalSeconds?: number; batchSize?: number },
  ): Promise<void>;
  /** Runs `queue` on a cron schedule; one instance of the cluster sends each tick. */
  schedule<T>(queue: JobQueue<T>, cron: string, payload: T): Promise<void>;
  /** Removes the schedule of a queue, if there is one (also of a queue no longer declared). */
  unschedule(name: string): Promise<void>;
};

const errorData = (err: unknown): object =>
  err instanceof Error ? { name: err.name, message: err.message, stack: err.stack } : { value: String(err) };

// pg-boss talks to the database through Kysely, so on PGlite it shares (and waits for) the one session.
const adapterFor = (db: Executor) => ({
  executeSql: async (text: string, values: unknown[] = []) =>
    db.executeQuery(CompiledQuery.raw(text, values)),
});

/**
 * Durable jobs in the database (pg-boss), shared by every instance; a crashed worker's job expires and runs again.
 * Queues are declared up front and created at start, so that sending inside a transaction never needs
 * a second connection (the embedded database has only one).
 */
export function createJobRunner(
  db: Executor,
  options: { queues: JobQueue<never>[]; log?: (msg: string, err?: unknown) => void },
): JobRunner {
  const boss = new PgBoss({
    db: adapterFor(db),
    schedule: true,
    supervise: true,
    migrate: true,
  });
  boss.on('error', (err) => options.log?.('job runner error', err));
  const known = new Set(options.queues.map((q) => q.name));
  let started = false;

  function assertReady(queue: { name: string }) {
    if (!started) throw new Error(`The job runner is not started (queue ${queue.name})`);
    if (!known.has(queue.name)) throw new Error(`Queue ${queue.name} was not declared to the job runner`);
  }

  return {
    async start() {
      if (started) return;
      await boss.start();
      for (const queue of options.queues) {
        await boss.createQueue(queue.name, {
          name: queue.name,
          retryLimit: queue.retry.limit,
          retryDelay: queue.retry.delaySeconds,
          retryBackoff: queue.retry.backoff,
          expireInSeconds: queue.expireInSeconds,
        });
      }
      started = true;
    },
    async stop() {
      if (!started) return;
      started = false;
      await boss.stop({ graceful: true, wait: true, timeout: 10_000 });
    },
    async send(queue, payload, sendOptions = {}) {
      assertReady(queue);
      return boss.send(queue.name, queue.payload.parse(payload) as object, {
        ...(sendOptions.db && { db: adapterFor(sendOptions.db) }),
        ...(sendOptions.startAfter && { startAfter: sendOptions.startAfter }),
        ...(sendOptions.singletonKey && { singletonKey: sendOptions.singletonKey }),
        ...(sendOptions.singletonSeconds && { singletonSeconds: sendOptions.singletonSeconds }),
      });
    },
    async work(queue, handler, workOptions = {}) {
      assertReady(queue);
      const batchSize = workOptions.batchSize ?? 1;
      // The callback first runs after a fetch from the database, so after workerId is set.
      const workerId: string = await boss.work(
        queue.name,
        { pollingIntervalSeconds: workOptions.pollingIntervalSeconds ?? 1, batchSize },
        async (jobs) => {
          const results = await Promise.allSettled(
            jobs.map(async (job) => handler(queue.payload.parse(job.data))),
          );
          // pg-boss completes the whole batch when this returns, skipping jobs that are no longer active:
          // failing the ones that threw first retries only them.
          for (const [i, result] of results.entries())
            if (result.status === 'rejected')
              await boss.fail(queue.name, jobs[i]!.id, errorData(result.reason));
          if (jobs.length === batchSize) boss.notifyWorker(workerId);
        },
      );
    },
    async schedule(queue, cron, payload) {
      assertReady(queue);
      await boss.schedule(queue.name, cron, queue.payload.parse(payload) as object);
    },
    async unschedule(name) {
      await boss.unschedule(name);
    },
  };
}
