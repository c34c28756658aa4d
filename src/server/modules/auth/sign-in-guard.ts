import { sql, type RawBuilder } from 'kysely';
import type { Executor } from '../../db/client.ts';
import { AppError } from '../../lib/errors.ts';

/**
 * Brute-force protection per stored identity, after Keycloak's: the first failures cost nothing, from
 * the 5th each one closes the identity for a growing while (1 s, 2 s, 4 s … up to a minute), from the
 * 30th for 15 minutes. Failures are forgotten after 12 hours without one, on a successful sign-in and
 * on a password reset. In the database, so every instance sees the same counts.
 */
export const SLOW_FROM = 5;
export const LOCK_FROM = 30;
export const MAX_SLOW_SECONDS = 60;
export const LOCK_SECONDS = 15 * 60;
const FORGET_AFTER = sql`interval '12 hours'`;

/** The seconds an identity is closed after its `n`-th failure, as SQL over the expression `n`. */
const closedSeconds = (n: RawBuilder<number>) =>
  sql<number>`CASE WHEN ${n} >= ${LOCK_FROM} THEN ${LOCK_SECONDS}
    WHEN ${n} >= ${SLOW_FROM} THEN least(power(2, ${n} - ${SLOW_FROM}), ${MAX_SLOW_SECONDS})
    ELSE 0 END`;

/** Refused before the password is looked at: the answer is the same whether or not the email is known. */
export class SignInLocked extends AppError {
  constructor(readonly retryAfterSeconds: number) {
    super(
      'rate_limited',
      retryAfterSeconds > MAX_SLOW_SECONDS
        ? `Too many failed sign-ins for this email. Try again in ${Math.ceil(retryAfterSeconds / 60)} minutes, or reset your password.`
        : `Too many failed sign-ins for this email. Try again in ${retryAfterSeconds} seconds, or reset your password.`,
    );
  }
}

/** The key of a known identity (the sign-in queries build the same in SQL, or one from the lowered email). */
export const identityKey = (kind: 'employee' | 'contact', id: string) => `${kind}:${id}`;

/** Throws `SignInLocked` while the identity is closed. */
export function assertOpen(lockedUntil: Date | null | undefined, now = new Date()): void {
  if (lockedUntil && lockedUntil > now)
    throw new SignInLocked(Math.max(1, Math.ceil((lockedUntil.getTime() - now.getTime()) / 1000)));
}

/** Counts one failure and closes the identity for as long as its count says, in one statement. */
export async function recordSignInFailure(db: Executor, key: string): Promise<void> {
  const next = sql<number>`CASE WHEN f.last_failure_at < now() - ${FORGET_AFTER} THEN 1 ELSE f.failures + 1 END`;
  await sql`INSERT INTO sign_in_failures AS f (key, failures, last_failure_at, locked_until)
      VALUES (${key}, 1, now(), NULL)
    ON CONFLICT (key) DO UPDATE SET
      failures = ${next},
      last_failure_at = now(),
      locked_until = now() + make_interval(secs => ${closedSeconds(next)})`.execute(db);
}

export async function clearSignInFailures(db: Executor, key: string): Promise<void> {
  await db.deleteFrom('sign_in_failures').where('key', '=', key).execute();
}

/** Failures older than the forgetting time count for nothing; the sweep removes them. */
export async function purgeOldSignInFailures(db: Executor): Promise<void> {
  await sql`DELETE FROM sign_in_failures WHERE last_failure_at < now() - ${FORGET_AFTER}
    AND (locked_until IS NULL OR locked_until < now())`.execute(db);
}

/** Runs a sign-in, answering a closed identity with `Retry-After` (the error handler writes the body). */
export async function withRetryAfter<T>(
  reply: { header(name: string, value: string): unknown },
  signIn: () => Promise<T>,
): Promise<T> {
  try {
    return await signIn();
  } catch (err) {
    if (err instanceof SignInLocked) reply.header('retry-after', String(err.retryAfterSeconds));
    throw err;
  }
}
