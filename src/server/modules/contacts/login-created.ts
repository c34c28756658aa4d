import type { Contact } from '../../../contracts/contacts.ts';
import type { Executor } from '../../db/client.ts';
import type { ContactsDeps } from './contacts.service.ts';

export type LoginCreatedContact = Pick<Contact, 'id' | 'email' | 'firstName' | 'lastName' | 'language'> & {
  account: Pick<NonNullable<Contact['account']>, 'name' | 'number'> | null;
  validUntil: Date | string | null;
};

/**
 * The `login-created` email to contacts an import or a bulk add gave a login with a generated or a shared
 * password, in the caller's transaction: their username and where to sign in, never the password (the
 * employee hands that on). A few statements for all of them; nothing when the email is switched off.
 */
export async function sendLoginCreatedEmails(
  deps: Pick<ContactsDeps, 'outbox' | 'publicUrl'>,
  tx: Executor,
  scopeId: string,
  contacts: LoginCreatedContact[],
): Promise<void> {
  // enqueueMany writes nothing for a switched-off email.
  if (!contacts.length) return;
  await deps.outbox.enqueueMany(
    tx,
    contacts.map((c) => ({
      scopeId,
      templateKey: 'login-created',
      language: c.language,
      to: c.email,
      contactId: c.id,
      variables: {
        contact: { firstName: c.firstName, lastName: c.lastName, email: c.email },
        account: c.account ? { name: c.account.name, number: c.account.number } : null,
        signInUrl: `${deps.publicUrl}/store/sign-in`,
        validUntil: c.validUntil instanceof Date ? c.validUntil.toISOString() : c.validUntil,
      },
    })),
  );
}
