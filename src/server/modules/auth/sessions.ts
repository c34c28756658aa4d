import type { Executor } from '../../db/client.ts';
import { randomToken, sha256 } from '../../lib/secrets.ts';

export type SessionSubject = { type: 'employee' | 'contact'; id: string };

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
): Promise<SessionSubject | undefined> {
  const row = await db
    .selectFrom('sessions')
    .select(['subject_id'])
    .where('token_hash', '=', sha256(token))
    .where('subject_type', '=', type)
    .where('expires_at', '>', new Date())
    .executeTakeFirst();
  return row ? { type, id: row.subject_id } : undefined;
}

export async function endSession(db: Executor, token: string): Promise<void> {
  await db.deleteFrom('sessions').where('token_hash', '=', sha256(token)).execute();
}

export async function purgeExpiredSessions(db: Executor): Promise<void> {
  await db.deleteFrom('sessions').where('expires_at', '<', new Date()).execute();
}
