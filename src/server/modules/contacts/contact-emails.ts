import type { Contact } from '../../../contracts/contacts.ts';
import type { Executor } from '../../db/client.ts';
import { assertCan, type RequestContext } from '../../http/context.ts';
import { AppError, notFound, unprocessable } from '../../lib/errors.ts';
import { issueTokens } from '../../lib/one-time-tokens.ts';
import { emailContextOf, emailEnabled, type OutgoingEmail } from '../../email/outbox.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { getContact, type ContactsDeps } from './contacts.service.ts';

export type ContactLink = 'activation' | 'password-reset';
/** queued: on its way over SMTP; captured: written to the email log only (no SMTP configured). */
export type ContactEmailStatus =
  'queued' | 'captured' | 'not_found' | 'disabled' | 'pending' | 'switched_off';

const LINKS = {
  activation: { templateKey: 'accountactivation', path: '/store/activate', urlVariable: 'activationUrl' },
  'password-reset': { templateKey: 'password-reset', path: '/store/reset', urlVariable: 'resetUrl' },
} as const;

type LinkDeps = Pick<ContactsDeps, 'outbox' | 'publicUrl' | 'activationTtlMs' | 'passwordResetTtlMs'>;
type LinkContact = Pick<Contact, 'id' | 'email' | 'firstName' | 'lastName' | 'language' | 'account'>;

/** The link a logged email of this system email carried, if it is one of the contacts' links. */
export const contactLinkOf = (templateKey: string | null): ContactLink | null =>
  (Object.keys(LINKS) as ContactLink[]).find((kind) => LINKS[kind].templateKey === templateKey) ?? null;

/**
 * Writes the welcome (activation) or password-reset email with a fresh single-use link, in the caller's
 * transaction. Earlier unused links of the same kind stop working: only the newest email counts.
 */
export async function sendContactLinkEmail(
  deps: LinkDeps,
  tx: Executor,
  scopeId: string,
  contact: LinkContact,
  kind: ContactLink,
  options: { newContact?: boolean } = {},
): Promise<string | null> {
  const [emailId] = await sendContactLinkEmails(deps, tx, scopeId, [contact], kind, options);
  return emailId ?? null;
}

/**
 * `sendContactLinkEmail` for many contacts in a few statements (an import's new contacts). Email ids in the
 * order of the contacts; nothing is sent, and no link changes, when the system email is switched off.
 */
export async function sendContactLinkEmails(
  deps: LinkDeps,
  tx: Executor,
  scopeId: string,
  contacts: LinkContact[],
  kind: ContactLink,
  /** Contacts inserted in this transaction: they have no earlier links to revoke. */
  options: { newContact?: boolean } = {},
): Promise<(string | null)[]> {
  const link = LINKS[kind];
  if (!contacts.length) return [];
  // One read tells whether the email is switched on and holds what rendering it needs.
  const context = await emailContextOf(
    tx,
    contacts.map((c) => ({ templateKey: link.templateKey, scopeId, language: c.language })),
  );
  // A switched-off email sends nothing, so the contacts' current links must keep working.
  if (!emailEnabled(context, link.templateKey)) return contacts.map(() => null);
  const ids = contacts.map((c) => c.id);
  if (!options.newContact)
    await tx
      .updateTable('one_time_tokens')
      .set({ used_at: new Date() })
      .where('purpose', '=', kind)
      .where('subject_id', 'in', ids)
      .where('used_at', 'is', null)
      .execute();
  const tokens = await issueTokens(tx, kind, ids, linkTtl(deps, kind));
  return deps.outbox.enqueueMany(
    tx,
    contacts.map((contact, i) => linkEmail(deps, scopeId, contact, kind, tokens[i]!)),
    context,
  );
}

export const linkTtl = (deps: Pick<LinkDeps, 'activationTtlMs' | 'passwordResetTtlMs'>, kind: ContactLink) =>
  kind === 'activation' ? deps.activationTtlMs : deps.passwordResetTtlMs;

export const linkTemplateKey = (kind: ContactLink) => LINKS[kind].templateKey;

/** The email that carries a contact's link with `token` (one of `newTokens` or `issueTokens`). */
export function linkEmail(
  deps: Pick<LinkDeps, 'publicUrl'>,
  scopeId: string,
  contact: LinkContact,
  kind: ContactLink,
  token: { token: string; expiresAt: Date },
): OutgoingEmail {
  const link = LINKS[kind];
  return {
    scopeId,
    templateKey: link.templateKey,
    language: contact.language,
    to: contact.email,
    contactId: contact.id,
    variables: {
      contact: { firstName: contact.firstName, lastName: contact.lastName, email: contact.email },
      account: contact.account ? { name: contact.account.name, number: contact.account.number } : null,
      [link.urlVariable]: `${deps.publicUrl}${link.path}?token=${token.token}`,
      expiresAt: token.expiresAt,
    },
    secrets: [token.token],
  };
}

/** An employee sends a contact the activation or reset email, from the contact's page or a list selection. */
export async function sendContactEmails(
  deps: ContactsDeps,
  ctx: RequestContext,
  contactIds: string[],
  kind: ContactLink,
): Promise<
  Array<{
    contactId: string;
    status: ContactEmailStatus;
    emailId: string | null;
  }>
> {
  assertCan(ctx, 'emails.send');
  const results = [];
  for (const contactId of [...new Set(contactIds)]) {
    results.push(
      await deps.db.transaction().execute(async (tx) => {
        const contact = await getContact(tx, ctx, contactId).catch((err: unknown) => {
          if (err instanceof AppError && err.code === 'not_found') return null;
          throw err;
        });
        if (!contact) return { contactId, status: 'not_found' as const, emailId: null };
        if (contact.status !== 'active') return { contactId, status: contact.status, emailId: null };
        const emailId = await sendContactLinkEmail(deps, tx, ctx.scopeId, contact, kind);
        if (!emailId) return { contactId, status: 'switched_off' as const, emailId: null };
        await recordAudit(tx, ctx, {
          action: kind === 'activation' ? 'contact.activation_sent' : 'contact.password_reset_sent',
          entityType: 'contact',
          entityId: contact.id,
          after: { emailId },
        });
        return {
          contactId,
          status: deps.outbox.delivers ? ('queued' as const) : ('captured' as const),
          emailId,
        };
      }),
    );
  }
  return results;
}

/** The single-contact form: a missing contact is 404, a disabled one or a switched-off email 422. */
export async function sendContactEmail(
  deps: ContactsDeps,
  ctx: RequestContext,
  contactId: string,
  kind: ContactLink,
): Promise<{ emailId: string; status: 'queued' | 'captured' }> {
  const [result] = await sendContactEmails(deps, ctx, [contactId], kind);
  if (result?.status === 'not_found') throw notFound('The contact');
  if (result?.status === 'disabled')
    throw unprocessable('This contact is disabled; enable it before sending it a link');
  if (result?.status === 'pending')
    throw unprocessable('This contact is waiting for approval; approve the account before sending it a link');
  if (!result?.emailId)
    throw unprocessable('This system email is switched off; switch it on under Email templates to send it');
  return { emailId: result.emailId, status: deps.outbox.delivers ? 'queued' : 'captured' };
}
