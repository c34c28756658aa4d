import { hashNewPassword } from '../../lib/password-policy.ts';
import { sql } from 'kysely';
import type { Db, Executor } from '../../db/client.ts';
import type { RequestContext } from '../../http/context.ts';
import { AppError } from '../../lib/errors.ts';
import { consumeToken } from '../../lib/one-time-tokens.ts';
import { verifyPassword } from '../../lib/secrets.ts';
import { assertOpen, clearSignInFailures, identityKey, recordSignInFailure } from '../auth/sign-in-guard.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { sendContactLinkEmail, type ContactLink } from '../contacts/contact-emails.ts';
import { loadContact } from '../contacts/contacts.repository.ts';
import type { ContactsDeps } from '../contacts/contacts.service.ts';

/**
 * A contact chooses a password through a single-use link: the welcome email's (activation) or a
 * password reset's. Either way every session opened with an earlier password ends.
 */
export async function setPasswordWithLink(
  db: Db,
  ctx: RequestContext,
  purpose: ContactLink,
  body: { token: string; password: string },
): Promise<void> {
  const passwordHash = await hashNewPassword(body.password);
  await db.transaction().execute(async (tx) => {
    const contactId = await consumeToken(tx, purpose, body.token);
    const contact = await tx
      .updateTable('contacts')
      .set({
        password_hash: passwordHash,
        activated_at: sql`coalesce(activated_at, now())`,
        updated_at: new Date(),
      })
      .where('id', '=', contactId!)
      .returning(['id', 'email'])
      .executeTakeFirst();
    if (!contact)
      throw new AppError('unprocessable', 'This link no longer belongs to a contact', [
        { path: 'token', message: 'invalid' },
      ]);
    await tx
      .deleteFrom('sessions')
      .where('subject_type', '=', 'contact')
      .where('subject_id', '=', contact.id)
      .execute();
    // The owner proved it with the emailed link: failed guesses no longer hold the sign-in closed.
    await clearSignInFailures(tx, identityKey('contact', contact.id));
    await recordAudit(
      tx,
      { ...ctx, actor: { ...ctx.actor, type: 'contact', id: contact.id, label: contact.email } },
      {
        action: purpose === 'activation' ? 'contact.activated' : 'contact.password_reset',
        entityType: 'contact',
        entityId: contact.id,
        after: { hasLogin: true },
      },
    );
  });
}

/**
 * A visitor asks for a reset link (or a new activation link). Whether or not the email belongs to an
 * active contact, the caller answers the same, so the form reveals nothing.
 */
export async function requestContactLink(
  deps: ContactsDeps,
  ctx: RequestContext,
  email: string,
  purpose: ContactLink,
): Promise<void> {
  await deps.db.transaction().execute(async (tx) => {
    const row = await tx
      .selectFrom('contacts')
      .select(['id', 'password_hash'])
      .where('scope_id', '=', ctx.scopeId)
      .where('status', '=', 'active')
      .where(sql<boolean>`lower(email) = lower(${email})`)
      .executeTakeFirst();
    // A new activation link only for a contact without a login; anyone else uses the reset.
    if (!row || (purpose === 'activation' && row.password_hash)) return;
    const contact = (await loadContact(tx, row.id))!;
    await sendContactLinkEmail(deps, tx, ctx.scopeId, contact, purpose);
    await recordAudit(tx, ctx, {
      action: purpose === 'activation' ? 'contact.activation_requested' : 'contact.password_reset_requested',
      entityType: 'contact',
      entityId: contact.id,
    });
  });
}

/**
 * Checks a contact's credentials, status and login validity window. A wrong email, password or a
 * disabled contact answer the same; only someone who knows the password learns about the window.
 */
export async function verifyContactCredentials(
  db: Executor,
  scopeId: string,
  email: string,
  password: string,
): Promise<string> {
  const { rows } = await sql<{
    id: string | null;
    password_hash: string | null;
    status: string | null;
    login_valid_from: Date | null;
    login_valid_until: Date | null;
    lock_key: string;
    locked_until: Date | null;
    has_failures: boolean;
  }>`SELECT c.id, c.password_hash, c.status, c.login_valid_from, c.login_valid_until, k.key AS lock_key,
      f.locked_until, f.key IS NOT NULL AS has_failures
    FROM (SELECT lower(${email}) AS lowered) input
    LEFT JOIN contacts c ON c.scope_id = ${scopeId} AND lower(c.email) = input.lowered
    CROSS JOIN LATERAL (SELECT coalesce('contact:' || c.id, 'contact-email:' || ${scopeId} || ':' || input.lowered) AS key) k
    LEFT JOIN sign_in_failures f ON f.key = k.key
    LIMIT 1`.execute(db);
  const row = rows[0]!;
  // A closed identity is refused before its password is looked at, known or not.
  assertOpen(row.locked_until);
  const ok = await verifyPassword(row.password_hash, password);
  if (!row.id || !ok || row.status !== 'active') {
    await recordSignInFailure(db, row.lock_key);
    throw new AppError('unauthenticated', 'The email or password is incorrect');
  }
  if (row.has_failures) await clearSignInFailures(db, row.lock_key);
  const now = new Date();
  if (row.login_valid_from && row.login_valid_from > now)
    throw new AppError('unauthenticated', 'Your login is not valid yet');
  if (row.login_valid_until && row.login_valid_until <= now)
    throw new AppError('unauthenticated', 'Your login has expired');
  await db.updateTable('contacts').set({ last_sign_in_at: now }).where('id', '=', row.id).execute();
  return row.id;
}
