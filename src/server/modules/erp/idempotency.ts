import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Db, Executor } from '../../db/client.ts';
import type { RequestContext } from '../../http/context.ts';
import { AppError, STATUS_BY_CODE, unprocessable } from '../../lib/errors.ts';

export type StoredAnswer = { status: number; body: unknown; retryAfterSeconds?: number };

const principalOf = (ctx: RequestContext) => `${ctx.actor.type}:${ctx.actor.id ?? ctx.actor.label}`;

/** How long a repeat waits for the first request holding its key before it is told to come back. */
const WAIT_FOR_FIRST = '10s';
/** PostgreSQL's lock_not_available: the wait above ran out. */
const LOCK_TIMEOUT = '55P03';

/** Secrets an answer shows once (a generated password, a signing secret) are not kept for replays. */
const SHOWN_ONCE = new Set(['password', 'secret']);
const withoutShownOnce = (key: string, value: unknown) => (SHOWN_ONCE.has(key) ? undefined : value);

/** A 5xx answer returned as a value: thrown out of the transaction so the claim goes with it. */
class NotKept extends Error {
  constructor(readonly answer: StoredAnswer) {
    super('answer not kept');
  }
}

async function storedAnswer(db: Executor, principal: string, key: string, hash: string) {
  const stored = await db
    .selectFrom('idempotency_keys')
    .select(['request_hash', 'status', 'body'])
    .where('principal', '=', principal)
    .where('key', '=', key)
    .executeTakeFirst();
  if (!stored) return undefined;
  if (stored.request_hash !== hash)
    throw unprocessable('This Idempotency-Key was used for another request', [
      { path: 'Idempotency-Key', message: 'Already used for another request' },
    ]);
  return { status: stored.status, body: stored.body };
}

/**
 * Runs a POST at most once per `Idempotency-Key` of a principal: a repeat gets the first answer (status and
 * body); the same key with another request is 422. The key is claimed (a row inserted, ON CONFLICT DO
 * NOTHING) in the transaction that does the work, so two requests racing with one key never both run: the
 * second's insert waits for the first to commit, then replays its answer, or runs if the first rolled back.
 * Waiting longer than WAIT_FOR_FIRST is 409 with Retry-After. `run` must do its work on the executor it is
 * given. Refusals (4xx) are kept, their writes undone; 5xx answers are not kept, so those can be retried.
 * A kept answer leaves out `password` and `secret` fields: a replay never shows a secret a second time.
 */
export async function withIdempotencyKey(
  db: Db,
  ctx: RequestContext,
  key: string | undefined,
  request: { method: string; path: string; body: unknown },
  run: (db: Executor) => Promise<StoredAnswer>,
): Promise<StoredAnswer> {
  if (key === undefined) return run(db);
  if (!/^[\x21-\x7e]{1,255}$/.test(key))
    throw unprocessable('The Idempotency-Key header must be 1 to 255 visible ASCII characters', [
      { path: 'Idempotency-Key', message: 'Use 1 to 255 visible ASCII characters' },
    ]);
  const principal = principalOf(ctx);
  const hash = createHash('sha256')
    .update(`${request.method} ${request.path}\n${JSON.stringify(request.body ?? null)}`)
    .digest('hex');
  // A repeat of a finished request reads its answer and takes no lock.
  const done = await storedAnswer(db, principal, key, hash);
  if (done) return done;
  try {
    return await db.transaction().execute(async (tx) => {
      await sql`SET LOCAL lock_timeout = ${sql.lit(WAIT_FOR_FIRST)}`.execute(tx);
      const claimed = await tx
        .insertInto('idempotency_keys')
        .values({
          principal,
          key,
          method: request.method,
          path: request.path,
          request_hash: hash,
          status: 0,
          body: 'null',
        })
        .onConflict((oc) => oc.columns(['principal', 'key']).doNothing())
        .returning('key')
        .executeTakeFirst();
      // The first request committed while this one waited: its answer.
      if (!claimed) return (await storedAnswer(tx, principal, key, hash))!;
      await sql`SAVEPOINT idempotent_work`.execute(tx);
      let answer: StoredAnswer;
      try {
        answer = await run(tx);
      } catch (err) {
        // A refusal (4xx) is an answer too: kept, and whatever the work wrote before it undone.
        if (!(err instanceof AppError) || STATUS_BY_CODE[err.code] >= 500) throw err;
        await sql`ROLLBACK TO SAVEPOINT idempotent_work`.execute(tx);
        answer = {
          status: STATUS_BY_CODE[err.code],
          body: { error: { code: err.code, message: err.message, details: err.details } },
        };
      }
      if (answer.status >= 500) throw new NotKept(answer);
      await tx
        .updateTable('idempotency_keys')
        .set({ status: answer.status, body: JSON.stringify(answer.body, withoutShownOnce) })
        .where('principal', '=', principal)
        .where('key', '=', key)
        .execute();
      return answer;
    });
  } catch (err) {
    if (err instanceof NotKept) return err.answer;
    if ((err as { code?: string } | null)?.code === LOCK_TIMEOUT)
      return {
        status: 409,
        retryAfterSeconds: 1,
        body: {
          error: {
            code: 'conflict',
            message: 'A request with this Idempotency-Key is still running: try again shortly',
            details: [{ path: 'Idempotency-Key', message: 'idempotency-in-progress' }],
          },
        },
      };
    throw err;
  }
}
