import { sql, type Expression, type SqlBool } from 'kysely';
import type { EmailMessage } from '../../../contracts/emails.ts';
import type { Executor } from '../../db/client.ts';
import { redactSecrets } from '../../email/secrets.ts';
import { recordAudit } from '../audit/audit.service.ts';
import type { EmailRow } from '../../db/schema.ts';
import { assertCan, type RequestContext } from '../../http/context.ts';
import { decodeCursor, toPage } from '../../lib/cursor.ts';
import { AppError, notFound, unprocessable } from '../../lib/errors.ts';
import { sendEmployeeResetEmail } from '../auth/employee-reset.ts';
import { contactLinkOf, sendContactLinkEmail } from '../contacts/contact-emails.ts';
import { getContact, type ContactsDeps } from '../contacts/contacts.service.ts';

const toMessage = (r: EmailRow): EmailMessage => ({
  id: r.id,
  templateKey: r.template_key,
  language: r.language,
  fromName: r.from_name,
  fromAddress: r.from_address,
  to: r.to_address,
  cc: r.cc,
  bcc: r.bcc,
  // One-time links are stored with placeholders: the log shows them as [hidden].
  subject: redactSecrets(r.subject),
  text: redactSecrets(r.text),
  html: redactSecrets(r.html),
  status: r.status,
  contactId: r.contact_id,
  attempts: r.attempts,
  lastError: r.last_error,
  nextAttemptAt: r.next_attempt_at?.toISOString() ?? null,
  createdAt: r.created_at.toISOString(),
  sentAt: r.sent_at?.toISOString() ?? null,
});

/** crmCompany* employees see only emails to contacts of their assigned accounts. */
function emailVisibleTo(ctx: RequestContext): Expression<SqlBool> {
  if (!ctx.actor.restrictToAssigned) return sql<SqlBool>`true`;
  return sql<SqlBool>`exists (select 1 from contact_accounts ca join employee_accounts ea on ea.account_id = ca.account_id
    where ca.contact_id = emails.contact_id and ea.employee_id = ${ctx.actor.id})`;
}

async function findVisibleEmail(db: Executor, ctx: RequestContext, id: string) {
  const row = await db
    .selectFrom('emails')
    .selectAll()
    .where('id', '=', id)
    .where(emailVisibleTo(ctx))
    .executeTakeFirst();
  if (!row) throw notFound('The email');
  return row;
}

export async function listEmails(
  db: Executor,
  ctx: RequestContext,
  query: {
    to?: string;
    templateKey?: string;
    status?: EmailRow['status'];
    since?: string;
    until?: string;
    limit: number;
    cursor?: string;
  },
): Promise<{ items: EmailMessage[]; nextCursor: string | null }> {
  assertCan(ctx, 'emails.read');
  const cursor = decodeCursor(query.cursor, { at: 'timestamp', id: 'uuid' });
  let q = db
    .selectFrom('emails')
    .selectAll()
    .select(sql<string>`created_at::text`.as('created_key'))
    .where(emailVisibleTo(ctx))
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(query.limit + 1);
  if (query.to) q = q.where(sql<boolean>`lower(to_address) = lower(${query.to})`);
  if (query.templateKey) q = q.where('template_key', '=', query.templateKey);
  if (query.status) q = q.where('status', '=', query.status);
  if (query.since) q = q.where('created_at', '>=', new Date(`${query.since}T00:00:00Z`));
  if (query.until)
    q = q.where('created_at', '<', new Date(new Date(`${query.until}T00:00:00Z`).getTime() + 86_400_000));
  if (cursor) q = q.where(sql<boolean>`(created_at, id) < (${cursor.at}::timestamptz, ${cursor.id}::uuid)`);
  const rows = await q.execute();
  return toPage(rows, query.limit, (r) => ({ at: r.created_key, id: r.id }), toMessage);
}

export async function getEmail(db: Executor, ctx: RequestContext, id: string): Promise<EmailMessage> {
  assertCan(ctx, 'emails.read');
  return toMessage(await findVisibleEmail(db, ctx, id));
}

/**
 * Sends a logged email again. An email that carried a one-time link gets a fresh link through the
 * code that sent it first (earlier unused links of that kind stop working); others are copied.
 */
export async function resendEmail(
  deps: ContactsDeps,
  ctx: RequestContext,
  id: string,
): Promise<{ emailId: string }> {
  assertCan(ctx, 'emails.send');
  return deps.db.transaction().execute(async (tx) => {
    const original = await findVisibleEmail(tx, ctx, id);
    const emailId = await sendAgain(deps, tx, ctx, original);
    await recordAudit(tx, ctx, {
      action: 'email.resent',
      entityType: 'email',
      entityId: id,
      after: { emailId, to: original.to_address },
    });
    return { emailId };
  });
}

const cannotReissue = (reason: string, detail: string) =>
  unprocessable(`This email carried a one-time link and ${reason}, so no new link can be sent`, [
    { path: 'id', message: detail },
  ]);

async function sendAgain(
  deps: ContactsDeps,
  tx: Executor,
  ctx: RequestContext,
  original: { id: string; to_address: string; template_key: string | null; contact_id: string | null },
): Promise<string> {
  const kind = contactLinkOf(original.template_key);
  const employeeReset = original.template_key === 'employee-password-reset';
  if (!kind && !employeeReset) return deps.outbox.resend(tx, original.id);
  if (!(await deps.outbox.isEnabled(tx, original.template_key!)))
    throw cannotReissue('its system email is switched off', 'switched_off');
  if (employeeReset) {
    const emailId = await sendEmployeeResetEmail(deps, tx, ctx.scopeId, original.to_address);
    if (!emailId) throw cannotReissue('no active employee has this address any more', 'no_employee');
    return emailId;
  }
  const contact = original.contact_id
    ? await getContact(tx, ctx, original.contact_id).catch((err: unknown) => {
        if (err instanceof AppError && err.code === 'not_found') return null;
        throw err;
      })
    : null;
  if (!contact) throw cannotReissue('its contact no longer exists', 'no_contact');
  if (contact.status !== 'active') throw cannotReissue(`its contact is ${contact.status}`, contact.status);
  return (await sendContactLinkEmail(deps, tx, ctx.scopeId, contact, kind!))!;
}

export async function listEmailAttempts(db: Executor, ctx: RequestContext, id: string) {
  assertCan(ctx, 'emails.read');
  // An email that does not exist (or is not the actor's to see) is 404, not an empty list.
  await findVisibleEmail(db, ctx, id);
  const rows = await db
    .selectFrom('email_attempts')
    .selectAll()
    .where('email_id', '=', id)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    at: r.at.toISOString(),
    outcome: r.outcome,
    response: r.response,
    durationMs: r.duration_ms,
  }));
}
