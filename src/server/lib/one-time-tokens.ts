import type { Executor } from '../db/client.ts';
import type { Insertable } from 'kysely';
import type { OneTimeTokensTable, TokenPurpose } from '../db/schema.ts';
import { unprocessable } from './errors.ts';
import { randomToken, sha256 } from './secrets.ts';

export async function issueToken(
  db: Executor,
  purpose: TokenPurpose,
  subjectId: string | null,
  ttlMs: number,
): Promise<{ token: string; expiresAt: Date }> {
  const token = randomToken();
  const expiresAt = new Date(Date.now() + ttlMs);
  await db
    .insertInto('one_time_tokens')
    .values({
      token_hash: sha256(token),
      purpose,
      subject_id: subjectId,
      expires_at: expiresAt,
      used_at: null,
    })
    .execute();
  return { token, expiresAt };
}

/** New tokens for subjects, and the rows that store their hashes, for a caller that inserts them itself. */
export function newTokens(
  purpose: TokenPurpose,
  subjectIds: string[],
  ttlMs: number,
): { issued: { token: string; expiresAt: Date }[]; rows: Insertable<OneTimeTokensTable>[] } {
  const expiresAt = new Date(Date.now() + ttlMs);
  const issued = subjectIds.map(() => ({ token: randomToken(), expiresAt }));
  const rows = issued.map(({ token }, i) => ({
    token_hash: sha256(token),
    purpose,
    subject_id: subjectIds[i]!,
    expires_at: expiresAt,
    used_at: null,
  }));
  return { issued, rows };
}

/** `issueToken` for many subjects in one statement; tokens in the order of the subjects. */
export async function issueTokens(
  db: Executor,
  purpose: TokenPurpose,
  subjectIds: string[],
  ttlMs: number,
): Promise<{ token: string; expiresAt: Date }[]> {
  const { issued, rows } = newTokens(purpose, subjectIds, ttlMs);
  if (rows.length) await db.insertInto('one_time_tokens').values(rows).execute();
  return issued;
}

/** Marks a token used and returns its subject; the conditional update makes a second use fail even in a race. */
export async function consumeToken(
  db: Executor,
  purpose: TokenPurpose,
  token: string,
): Promise<string | null> {
  const used = await db
    .updateTable('one_time_tokens')
    .set({ used_at: new Date() })
    .where('token_hash', '=', sha256(token))
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .where('expires_at', '>', new Date())
    .returning('subject_id')
    .executeTakeFirst();
  if (used) return used.subject_id;
  const { status, message } = await tokenState(db, purpose, token);
  throw unprocessable(message!, [{ path: 'token', message: status }]);
}

const TOKEN_MESSAGES = {
  invalid: 'This link is not valid. Check that you copied the whole address, or ask for a new link.',
  used: 'This link was already used. If you did not set your password, ask for a new link.',
  expired: 'This link has expired. Ask for a new link.',
} as const;
export type TokenStatus = 'valid' | keyof typeof TOKEN_MESSAGES;

/** Whether a link's token can still be used, and if not why, in words for the person who clicked it. */
export async function tokenState(
  db: Executor,
  purpose: TokenPurpose,
  token: string,
): Promise<{ status: TokenStatus; message: string | null }> {
  const known = await db
    .selectFrom('one_time_tokens')
    .select(['used_at', 'expires_at'])
    .where('token_hash', '=', sha256(token))
    .where('purpose', '=', purpose)
    .executeTakeFirst();
  const status: TokenStatus = !known
    ? 'invalid'
    : known.used_at
      ? 'used'
      : known.expires_at <= new Date()
        ? 'expired'
        : 'valid';
  return { status, message: status === 'valid' ? null : TOKEN_MESSAGES[status] };
}
