import type { Executor } from '../../db/client.ts';
import { randomToken, sha256 } from '../../lib/secrets.ts';

export type SessionSubject = { type: 'employee' | 'contact'; id: string };
/** When a session ends, and when it began (its sign-in). */
export type SessionTimes = { expiresAt: Date; createdAt: Date };

/** Sessions live in the database, so any instance can recognise them; only the token's hash is stored. */
export async function startSession(
  db: Executor,
  subject: SessionSubject,
  meta: { ip: string | null; userAgent: string | null; ttlMs: number },
): Promise<{ token: string; expiresAt: Date }> {
  const token = randomToken();
  const expiresAt = new Date(Date.now() + meta.ttlMs);
  await db
    .insertInto('sessions')
    .values({
      token_hash: sha256(token),
      subject_type: subject.type,
      subject_id: subject.id,
      ip: meta.ip,
      user_agent: meta.userAgent?.slice(0, 400) ?? null,
      expires_at: expiresAt,
    })
    .execute();
  return { token, expiresAt };
}

export async function findSession(
  db: Executor,
  token: string,
  type: SessionSubject['type'],
): Promise<(SessionSubject & SessionTimes) | undefined> {
  const row = await db
    .selectFrom('sessions')
    .select(['subject_id', 'expires_at', 'created_at'])
    .where('token_hash', '=', sha256(token))
    .where('subject_type', '=', type)
    .where('expires_at', '>', new Date())
    .executeTakeFirst();
  return row ? { type, id: row.subject_id, expiresAt: row.expires_at, createdAt: row.created_at } : undefined;
}

/** However active, a session ends this long after its sign-in. */
export const SESSION_MAX_AGE_MS = 30 * 24 * 3600_000;

/**
 * Sliding sessions: a session used after half its lifetime gets a whole lifetime again (so someone at
 * work all day stays signed in), up to SESSION_MAX_AGE_MS after the sign-in. Decided from the times the
 * session lookup read, so most requests write nothing.
 */
export function needsRenewal(session: SessionTimes, ttlMs: number, now = Date.now()): boolean {
  return (
    session.expiresAt.getTime() < now + ttlMs / 2 &&
    session.createdAt.getTime() > now + ttlMs - SESSION_MAX_AGE_MS
  );
}

/** Renews the session (the same conditions, checked again by the database); the new expiry, or null. */
export async function renewSession(db: Executor, token: string, ttlMs: number): Promise<Date | null> {
  const now = Date.now();
  const row = await db
    .updateTable('sessions')
    .set({ expires_at: new Date(now + ttlMs) })
    .where('token_hash', '=', sha256(token))
    .where('expires_at', '>', new Date(now))
    .where('expires_at', '<', new Date(now + ttlMs / 2))
    .where('created_at', '>', new Date(now + ttlMs - SESSION_MAX_AGE_MS))
    .returning('expires_at')
    .executeTakeFirst();
  return row?.expires_at ?? null;
}

export async function endSession(db: Executor, token: string): Promise<void> {
  await db.deleteFrom('sessions').where('token_hash', '=', sha256(token)).execute();
}

export async function purgeExpiredSessions(db: Executor): Promise<void> {
  await db.deleteFrom('sessions').where('expires_at', '<', new Date()).execute();
}
