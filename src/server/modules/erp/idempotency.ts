import { createHash } from 'node:crypto';
import type { Db } from '../../db/client.ts';
import type { RequestContext } from '../../http/context.ts';
import { AppError, STATUS_BY_CODE, unprocessable } from '../../lib/errors.ts';

export type StoredAnswer = { status: number; body: unknown };

const principalOf = (ctx: RequestContext) => `${ctx.actor.type}:${ctx.actor.id ?? ctx.actor.label}`;

/**
 * Runs a POST at most once per `Idempotency-Key` of a principal: a repeat gets the first answer (status and
 * body); the same key with another request is 422. Answers of 5xx are not kept, so those can be retried.
 * Two repeats racing both run: the ERP writes behind this are idempotent by their own keys anyway.
 */
export async function withIdempotencyKey(
  db: Db,
  ctx: RequestContext,
  key: string | undefined,
  request: { method: string; path: string; body: unknown },
  run: () => Promise<StoredAnswer>,
): Promise<StoredAnswer> {
  if (key === undefined) return run();
  if (!/^[\x21-\x7e]{1,255}$/.test(key))
    throw unprocessable('The Idempotency-Key header must be 1 to 255 visible ASCII characters', [
      { path: 'Idempotency-Key', message: 'Use 1 to 255 visible ASCII characters' },
    ]);
  const principal = principalOf(ctx);
  const hash = createHash('sha256')
    .update(`${request.method} ${request.path}\n${JSON.stringify(request.body ?? null)}`)
    .digest('hex');
  const stored = await db
    .selectFrom('idempotency_keys')
    .select(['request_hash', 'status', 'body'])
    .where('principal', '=', principal)
    .where('key', '=', key)
    .executeTakeFirst();
  if (stored) {
    if (stored.request_hash !== hash)
      throw unprocessable('This Idempotency-Key was used for another request', [
        { path: 'Idempotency-Key', message: 'Already used for another request' },
      ]);
    return { status: stored.status, body: stored.body };
  }
  let answer: StoredAnswer;
  try {
    answer = await run();
  } catch (err) {
    // A refusal (4xx) is an answer too: the same request again is refused again without running.
    if (!(err instanceof AppError) || STATUS_BY_CODE[err.code] >= 500) throw err;
    answer = {
      status: STATUS_BY_CODE[err.code],
      body: { error: { code: err.code, message: err.message, details: err.details } },
    };
  }
  if (answer.status < 500)
    await db
      .insertInto('idempotency_keys')
      .values({
        principal,
        key,
        method: request.method,
        path: request.path,
        request_hash: hash,
        status: answer.status,
        body: JSON.stringify(answer.body),
      })
      .onConflict((oc) => oc.columns(['principal', 'key']).doNothing())
      .execute();
  return answer;
}
