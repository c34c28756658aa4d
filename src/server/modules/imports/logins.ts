import { randomBytes } from 'node:crypto';
import type { ImportOptions } from '../../../contracts/imports.ts';
import type { Executor } from '../../db/client.ts';
import type { ImportsTable } from '../../db/schema.ts';
import { unprocessable } from '../../lib/errors.ts';
import { hashPassword } from '../../lib/secrets.ts';
import { sendContactLinkEmail } from '../contacts/contact-emails.ts';
import type { ContactsDeps } from '../contacts/contacts.service.ts';
import { loadContact } from '../contacts/contacts.repository.ts';
import type { ApplyEnv } from './apply.ts';
import type { Selectable } from 'kysely';

const WORDS_ALPHABET = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** 16 characters without look-alikes (0/O, 1/l/I): about 93 bits, and easy to type from a printout. */
export function generatePassword(): string {
  const bytes = randomBytes(16);
  return Array.from(bytes, (b) => WORDS_ALPHABET[b % WORDS_ALPHABET.length]).join('');
}

/** The password hash and validity window new contacts get, from the options and the chosen groups. */
export async function loginSettings(
  db: Executor,
  scopeId: string,
  opts: ImportOptions,
): Promise<ApplyEnv['login']> {
  const window = { validFrom: opts.loginValidFrom ?? null, validUntil: opts.loginValidUntil ?? null };
  if (opts.logins !== 'group-password') return { mode: opts.logins, passwordHash: null, ...window };
  const groups = opts.customerGroups.length
    ? await db
        .selectFrom('customer_groups')
        .select(['key', 'password_hash', 'login_valid_from', 'login_valid_until'])
        .where('scope_id', '=', scopeId)
        .where('key', 'in', opts.customerGroups)
        .where('password_hash', 'is not', null)
        .execute()
    : [];
  if (groups.length !== 1) {
    throw unprocessable('Choose exactly one customer group that has a shared password', [
      { path: 'options.customerGroups', message: 'One group with a shared password' },
    ]);
  }
  const group = groups[0]!;
  return {
    mode: 'group-password',
    passwordHash: group.password_hash,
    validFrom: window.validFrom ?? group.login_valid_from?.toISOString() ?? null,
    validUntil: window.validUntil ?? group.login_valid_until?.toISOString() ?? null,
  };
}

/** Activation emails or generated passwords for the contacts a chunk created, in the chunk's transaction. */
export async function issueLogins(
  tx: Executor,
  deps: ContactsDeps,
  imp: Pick<Selectable<ImportsTable>, 'id' | 'scope_id'>,
  opts: ImportOptions,
  created: { id: string; email: string }[],
): Promise<void> {
  if (opts.logins === 'activation') {
    for (const { id } of created) {
      const contact = await loadContact(tx, id);
      if (contact) await sendContactLinkEmail(deps, tx, imp.scope_id, contact, 'activation');
    }
  } else if (opts.logins === 'generated' && created.length) {
    const credentials = [];
    for (const { id, email } of created) {
      const password = generatePassword();
      await tx
        .updateTable('contacts')
        .set({ password_hash: await hashPassword(password), activated_at: new Date() })
        .where('id', '=', id)
        .execute();
      credentials.push({ import_id: imp.id, email, password });
    }
    await tx
      .insertInto('import_credentials')
      .values(credentials)
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
}
